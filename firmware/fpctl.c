/* fpctl: bring-up of a Skywire forwarding plane over Etherbone (UDP), for an operator without
 * Node: read the build ID, dump counters, install a test rule, write and read registers.
 *
 *   fpctl [-a host] [-p port] [-t timeout-ms] id
 *   fpctl ... counters [peer N | port N | rule N]...
 *   fpctl ... rule <from-peer> <route-id> <to-peer> <next-route-id> [counter]
 *   fpctl ... key <peer> tx|rx <generation> <64 hex digits>
 *   fpctl ... retire <peer> tx|rx <generation>
 *   fpctl ... send <hex frame, 8-byte host header first> | recv
 *   fpctl ... read <address> | write <address> <value>
 *
 * `rule` writes the route into the table's stash slot 0: a hashed table looks every key up in
 * its stash too, so no hash is needed here (the node's table manager places routes properly). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/skywire_fp_regs.h"
#include "lib/fp_etherbone.h"
#include "lib/skywire_fp.h"

static const char *const PEER_NAMES[] = {"rxFrames", "txFrames", "toHost", "forwarded", "txDropped", "truncated", "oversized", "badVersion", "badType", "badFlags",
                                         "counterLimit", "badLength", "wrongPeer", "wrongGeneration", "replay", "tooOld", "badTag", "badInner", "noSession"};
static const char *const PORT_NAMES[] = {"rxFrames", "txFrames", "toHost", "fromHost", "otherMac", "badHeader", "ipChecksum", "udpChecksum", "unknownSource", "rxOverflow", "hostOverflow"};

static int usage(void) {
  fprintf(stderr,
          "usage: fpctl [-a host] [-p port] [-t timeout-ms] id\n"
          "       fpctl [-a host] [-p port] counters [peer N | port N | rule N]...\n"
          "       fpctl [-a host] [-p port] rule <from-peer> <route-id> <to-peer> <next-route-id> [counter]\n"
          "       fpctl [-a host] [-p port] key <peer> tx|rx <generation> <64 hex digits>\n"
          "       fpctl [-a host] [-p port] retire <peer> tx|rx <generation>\n"
          "       fpctl [-a host] [-p port] send <hex frame, host header first> | recv\n"
          "       fpctl [-a host] [-p port] read <address> | write <address> <value>\n");
  return 2;
}

static int num(const char *s, unsigned long max, unsigned long *out) {
  char *end;
  unsigned long v = strtoul(s, &end, 0);
  if (!*s || *end || v > max) {
    fprintf(stderr, "fpctl: \"%s\" is not a number from 0 to %lu\n", s, max);
    return 0;
  }
  *out = v;
  return 1;
}

/* Hex digits into bytes; the count, or -1 (after saying why) when they are not whole bytes of hex. */
static long parse_hex(const char *hx, uint8_t *out, size_t cap) {
  size_t i, n = strlen(hx) / 2;
  if (strlen(hx) % 2 || n > cap) {
    fprintf(stderr, "fpctl: \"%.16s...\" must be an even number of hex digits, at most %lu bytes\n", hx, (unsigned long)cap);
    return -1;
  }
  for (i = 0; i < n; i++) {
    char b[3] = {hx[2 * i], hx[2 * i + 1], 0};
    char *end;
    out[i] = (uint8_t)strtoul(b, &end, 16);
    if (*end) {
      fprintf(stderr, "fpctl: \"%s\" is not hex\n", b);
      return -1;
    }
  }
  return (long)n;
}

static int fail(const char *what, int rc) {
  fprintf(stderr, "fpctl: %s: %s\n", what, fp_strerror(rc));
  return 1;
}

static int dump(fp_bus *bus, unsigned bank, unsigned base, const char *const *names, size_t n, const char *label, unsigned i) {
  size_t k;
  for (k = 0; k < n; k++) {
    fp_counter c;
    int rc = fp_counter_read(bus, bank, base + (unsigned)k, 0, &c);
    if (rc) return fail("counter read", rc);
    if (c.frames || c.bytes) printf("%s %u %-16s %10lu frames %14llu bytes\n", label, i, names[k], (unsigned long)c.frames, (unsigned long long)c.bytes);
  }
  return 0;
}

int main(int argc, char **argv) {
  const char *host = "127.0.0.1";
  unsigned long port = FP_ETHERBONE_PORT, timeout_ms = 200, v;
  fp_etherbone eb;
  fp_bus bus;
  fp_identity id;
  int a = 1, rc;
  while (a + 1 < argc && argv[a][0] == '-') {
    if (!strcmp(argv[a], "-a")) host = argv[a + 1];
    else if (!strcmp(argv[a], "-p")) {
      if (!num(argv[a + 1], 65535, &port)) return 2;
    } else if (!strcmp(argv[a], "-t")) {
      if (!num(argv[a + 1], 60000, &timeout_ms) || !timeout_ms) return 2;
    } else return usage();
    a += 2;
  }
  if (a >= argc) return usage();
  if (fp_etherbone_open(&eb, &bus, host, (unsigned)port)) {
    fprintf(stderr, "fpctl: cannot open a UDP socket to %s:%lu\n", host, port);
    return 1;
  }
  eb.timeout_ms = (int)timeout_ms;
  rc = fp_identify(&bus, &id);
  if (rc == FP_ERR_DEVICE) {
    fprintf(stderr, "fpctl: %s:%lu is not this forwarding plane: magic 0x%08lx, build ID 0x%08lx (this fpctl: 0x%08lx)\n", host, port, (unsigned long)id.magic, (unsigned long)id.build_id,
            (unsigned long)SKYWIRE_FP_ID_BUILD_ID_BUILD_ID_VALUE);
    return 1;
  }
  if (rc) return fail(host, rc);

  if (!strcmp(argv[a], "id")) {
    printf("build_id 0x%08lx\nversion %lu.%lu\nports %u\npeers %u\nroute_entries %u\nroute_ways %u\nroute_stash %u\nrule_counters %u\nclock_khz %lu\n", (unsigned long)id.build_id,
           (unsigned long)(id.version >> 16), (unsigned long)(id.version & 0xffff), id.ports, id.peers, id.route_entries, id.route_ways, id.route_stash, id.rule_counters,
           (unsigned long)id.clock_khz);
  } else if (!strcmp(argv[a], "counters")) {
    unsigned i;
    if (a + 1 == argc) {
      for (i = 0; i < id.ports; i++)
        if (dump(&bus, SKYWIRE_FP_COUNTER_BANK_PORT, i * SKYWIRE_FP_PORT_COUNTER_STRIDE, PORT_NAMES, sizeof PORT_NAMES / sizeof *PORT_NAMES, "port", i)) return 1;
      for (i = 0; i < id.peers; i++)
        if (dump(&bus, SKYWIRE_FP_COUNTER_BANK_PEER, i * SKYWIRE_FP_PEER_COUNTER_STRIDE, PEER_NAMES, sizeof PEER_NAMES / sizeof *PEER_NAMES, "peer", i)) return 1;
    }
    for (a++; a + 1 < argc; a += 2) {
      const char *k = argv[a];
      if (!strcmp(k, "peer")) {
        if (!num(argv[a + 1], id.peers - 1, &v)) return 2;
        if (dump(&bus, SKYWIRE_FP_COUNTER_BANK_PEER, (unsigned)v * SKYWIRE_FP_PEER_COUNTER_STRIDE, PEER_NAMES, sizeof PEER_NAMES / sizeof *PEER_NAMES, "peer", (unsigned)v)) return 1;
      } else if (!strcmp(k, "port")) {
        if (!num(argv[a + 1], id.ports - 1, &v)) return 2;
        if (dump(&bus, SKYWIRE_FP_COUNTER_BANK_PORT, (unsigned)v * SKYWIRE_FP_PORT_COUNTER_STRIDE, PORT_NAMES, sizeof PORT_NAMES / sizeof *PORT_NAMES, "port", (unsigned)v)) return 1;
      } else if (!strcmp(k, "rule")) {
        fp_counter c;
        if (!num(argv[a + 1], id.rule_counters - 1, &v)) return 2;
        rc = fp_counter_read(&bus, SKYWIRE_FP_COUNTER_BANK_RULE, (unsigned)v, 0, &c);
        if (rc) return fail("counter read", rc);
        printf("rule %lu %10lu frames %14llu bytes\n", v, (unsigned long)c.frames, (unsigned long long)c.bytes);
      } else return usage();
    }
    if (a < argc) return usage();
  } else if (!strcmp(argv[a], "rule") && (argc - a == 5 || argc - a == 6)) {
    unsigned long from, route, to, next, counter = 0;
    fp_route_cmd cmd;
    if (!num(argv[a + 1], id.peers - 1, &from) || !num(argv[a + 2], 0xffffffffUL, &route) || !num(argv[a + 3], id.peers - 1, &to) || !num(argv[a + 4], 0xffffffffUL, &next)) return 2;
    if (argc - a == 6 && !num(argv[a + 5], id.rule_counters - 1, &counter)) return 2;
    if (!id.route_stash) {
      fprintf(stderr, "fpctl: this table has no stash slot to put a test rule in\n");
      return 1;
    }
    cmd.op = SKYWIRE_FP_ROUTE_ROUTE_CMD_OP_WRITE;
    cmd.slot = id.route_entries; /* stash slot 0 */
    cmd.key = fp_route_key((unsigned)from, (uint32_t)route);
    cmd.value = fp_route_forward_value((unsigned)to, (uint32_t)next, (unsigned)counter, 0);
    rc = fp_route_write(&bus, &cmd, 1);
    if (rc) return fail("route write", rc);
    printf("rule from peer %lu route %lu -> peer %lu route %lu, counter %lu, in stash slot %u\n", from, route, to, next, counter, cmd.slot);
  } else if (!strcmp(argv[a], "key") && argc - a == 5) {
    unsigned long peer, gen;
    uint8_t key[32];
    int rx;
    if (!num(argv[a + 1], id.peers - 1, &peer) || !num(argv[a + 3], 0xffffffffUL, &gen)) return 2;
    if (strcmp(argv[a + 2], "tx") && strcmp(argv[a + 2], "rx")) return usage();
    rx = !strcmp(argv[a + 2], "rx");
    if (strlen(argv[a + 4]) != 64) {
      fprintf(stderr, "fpctl: a key is 64 hex digits\n");
      return 2;
    }
    if (parse_hex(argv[a + 4], key, sizeof key) != 32) return 2;
    rc = fp_key_install(&bus, (unsigned)peer, rx, (uint32_t)gen, key);
    if (rc) return fail("key install", rc);
    printf("key slot %u holds generation %lu\n", (unsigned)SKYWIRE_FP_KEY_SLOT((unsigned)peer, rx, (unsigned)gen), gen);
  } else if (!strcmp(argv[a], "retire") && argc - a == 4) {
    unsigned long peer, gen;
    if (!num(argv[a + 1], id.peers - 1, &peer) || !num(argv[a + 3], 0xffffffffUL, &gen)) return 2;
    if (strcmp(argv[a + 2], "tx") && strcmp(argv[a + 2], "rx")) return usage();
    rc = fp_key_retire(&bus, (unsigned)peer, !strcmp(argv[a + 2], "rx"), (uint32_t)gen);
    if (rc) return fail("key retire", rc);
  } else if (!strcmp(argv[a], "send") && argc - a == 2) {
    static uint8_t frame[65535];
    long n = parse_hex(argv[a + 1], frame, sizeof frame);
    if (n < 0) return 2;
    rc = fp_host_send(&bus, frame, (size_t)n);
    if (rc) return fail("host-port send", rc);
  } else if (!strcmp(argv[a], "recv") && argc - a == 1) {
    static uint8_t frame[65535];
    size_t i, n;
    rc = fp_host_recv(&bus, frame, sizeof frame, &n);
    if (rc) return fail("host-port receive", rc);
    for (i = 0; i < n; i++) printf("%02x", frame[i]);
    printf("\n");
  } else if (!strcmp(argv[a], "read") && argc - a == 2) {
    uint32_t w;
    if (!num(argv[a + 1], SKYWIRE_FP_MAP_BYTES - 4, &v)) return 2;
    rc = fp_read(&bus, (uint32_t)v, &w);
    if (rc) return fail("read", rc);
    printf("0x%08lx\n", (unsigned long)w);
  } else if (!strcmp(argv[a], "write") && argc - a == 3) {
    unsigned long val;
    if (!num(argv[a + 1], SKYWIRE_FP_MAP_BYTES - 4, &v) || !num(argv[a + 2], 0xffffffffUL, &val)) return 2;
    rc = fp_write(&bus, (uint32_t)v, (uint32_t)val);
    if (rc) return fail("write", rc);
  } else return usage();
  fp_etherbone_close(&eb);
  return 0;
}
