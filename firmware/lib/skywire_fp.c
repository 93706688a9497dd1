/* The forwarding-plane library: register sequences of include/skywire_fp_regs.h over an
 * fp_bus. The same sequences as the host driver (host/device/device.ts); see skywire_fp.h. */
#include "skywire_fp.h"

#include <string.h>

#include "../include/skywire_fp_regs.h"

#define POLLS 50

#define W(a, v) ((fp_op){(a), (v), 1})
#define R(a) ((fp_op){(a), 0, 0})

const char *fp_strerror(int rc) {
  switch (rc) {
    case FP_OK: return "ok";
    case FP_ERR_TIMEOUT: return "no answer from the device";
    case FP_ERR_IO: return "socket error";
    case FP_ERR_ARG: return "bad argument";
    case FP_ERR_DEVICE: return "the device answered wrongly (magic, build ID, busy or sticky error)";
    default: return "unknown error";
  }
}

int fp_read(fp_bus *bus, uint32_t address, uint32_t *value) {
  fp_op op = R(address);
  return bus->run(bus, &op, 1, value, 1);
}

int fp_write(fp_bus *bus, uint32_t address, uint32_t value) {
  fp_op op = W(address, value);
  return bus->run(bus, &op, 1, NULL, 1);
}

int fp_identify(fp_bus *bus, fp_identity *id) {
  const fp_op ops[] = {R(SKYWIRE_FP_ID_MAGIC), R(SKYWIRE_FP_ID_VERSION), R(SKYWIRE_FP_ID_BUILD_ID), R(SKYWIRE_FP_ID_SHAPE),
                       R(SKYWIRE_FP_ID_ROUTE_ENTRIES), R(SKYWIRE_FP_ID_ROUTE_SHAPE), R(SKYWIRE_FP_ID_RULE_COUNTERS), R(SKYWIRE_FP_ID_CLOCK_KHZ)};
  uint32_t w[8];
  int rc = bus->run(bus, ops, 8, w, 1);
  if (rc) return rc;
  id->magic = w[0];
  id->version = w[1];
  id->build_id = w[2];
  id->ports = (w[3] & SKYWIRE_FP_ID_SHAPE_PORTS_MASK) >> SKYWIRE_FP_ID_SHAPE_PORTS_SHIFT;
  id->peers = (w[3] & SKYWIRE_FP_ID_SHAPE_PEERS_MASK) >> SKYWIRE_FP_ID_SHAPE_PEERS_SHIFT;
  id->route_entries = w[4];
  id->route_ways = (w[5] & SKYWIRE_FP_ID_ROUTE_SHAPE_WAYS_MASK) >> SKYWIRE_FP_ID_ROUTE_SHAPE_WAYS_SHIFT;
  id->route_stash = (w[5] & SKYWIRE_FP_ID_ROUTE_SHAPE_STASH_MASK) >> SKYWIRE_FP_ID_ROUTE_SHAPE_STASH_SHIFT;
  id->rule_counters = w[6];
  id->clock_khz = w[7];
  if (id->magic != SKYWIRE_FP_ID_MAGIC_MAGIC_VALUE || id->build_id != SKYWIRE_FP_ID_BUILD_ID_BUILD_ID_VALUE) return FP_ERR_DEVICE;
  return FP_OK;
}

/* Polls `address` until (value & mask) == want. */
static int wait_for(fp_bus *bus, uint32_t address, uint32_t mask, uint32_t want) {
  int i;
  for (i = 0; i < POLLS; i++) {
    uint32_t v;
    int rc = fp_read(bus, address, &v);
    if (rc) return rc;
    if ((v & mask) == want) return FP_OK;
  }
  return FP_ERR_DEVICE;
}
#define wait_clear(bus, address, mask) wait_for((bus), (address), (mask), 0)
#define wait_route_ready(bus) wait_for((bus), SKYWIRE_FP_CTRL_STATUS, SKYWIRE_FP_CTRL_STATUS_ROUTE_READY_MASK, SKYWIRE_FP_CTRL_STATUS_ROUTE_READY_MASK)

/* Runs a key command once; when its answer is lost, `done` on the slot's state says whether it ran. */
static int key_command(fp_bus *bus, const fp_op *ops, size_t n, unsigned slot, int install, uint32_t generation) {
  int attempt;
  for (attempt = 0; attempt < 3; attempt++) {
    fp_op all[16];
    uint32_t r[4], st[2];
    const fp_op state[2] = {R(SKYWIRE_FP_KEYSLOT_STATE(slot)), R(SKYWIRE_FP_KEYSLOT_GENERATION(slot))};
    int rc = wait_clear(bus, SKYWIRE_FP_KEY_KEY_STATUS, SKYWIRE_FP_KEY_KEY_STATUS_BUSY_MASK);
    if (rc) return rc;
    memcpy(all, ops, n * sizeof *ops);
    all[n] = R(SKYWIRE_FP_CTRL_ERRORS);
    rc = bus->run(bus, all, n + 1, r, 0);
    if (rc && rc != FP_ERR_TIMEOUT) return rc;
    if (!rc && (r[0] & SKYWIRE_FP_CTRL_ERRORS_KEY_OVERRUN_MASK)) {
      rc = fp_write(bus, SKYWIRE_FP_CTRL_ERRORS, SKYWIRE_FP_CTRL_ERRORS_KEY_OVERRUN_MASK);
      if (rc) return rc;
      continue;
    }
    rc = wait_clear(bus, SKYWIRE_FP_KEY_KEY_STATUS, SKYWIRE_FP_KEY_KEY_STATUS_BUSY_MASK);
    if (rc) return rc;
    rc = bus->run(bus, state, 2, st, 1);
    if (rc) return rc;
    if (install ? ((st[0] & 1) && st[1] == generation) : !(st[0] & 1)) return FP_OK;
  }
  return FP_ERR_DEVICE;
}

int fp_key_install(fp_bus *bus, unsigned peer, int rx, uint32_t generation, const uint8_t key[32]) {
  fp_op ops[10];
  unsigned i, slot = SKYWIRE_FP_KEY_SLOT(peer, rx, generation);
  if (peer >= SKYWIRE_FP_ID_SHAPE_PEERS_VALUE) return FP_ERR_ARG;
  /* key0..key7, key_generation, key_cmd: consecutive registers, one record. */
  for (i = 0; i < 8; i++) {
    uint32_t w = (uint32_t)key[4 * i] | ((uint32_t)key[4 * i + 1] << 8) | ((uint32_t)key[4 * i + 2] << 16) | ((uint32_t)key[4 * i + 3] << 24);
    ops[i] = W(SKYWIRE_FP_KEY_KEY0 + 4 * i, w);
  }
  ops[8] = W(SKYWIRE_FP_KEY_KEY_GENERATION, generation);
  ops[9] = W(SKYWIRE_FP_KEY_KEY_CMD, (slot << SKYWIRE_FP_KEY_KEY_CMD_SLOT_SHIFT) | (SKYWIRE_FP_KEY_KEY_CMD_OP_INSTALL << SKYWIRE_FP_KEY_KEY_CMD_OP_SHIFT));
  return key_command(bus, ops, 10, slot, 1, generation);
}

int fp_key_retire(fp_bus *bus, unsigned peer, int rx, uint32_t generation) {
  unsigned slot = SKYWIRE_FP_KEY_SLOT(peer, rx, generation);
  fp_op op;
  if (peer >= SKYWIRE_FP_ID_SHAPE_PEERS_VALUE) return FP_ERR_ARG;
  op = W(SKYWIRE_FP_KEY_KEY_CMD, (slot << SKYWIRE_FP_KEY_KEY_CMD_SLOT_SHIFT) | (SKYWIRE_FP_KEY_KEY_CMD_OP_RETIRE << SKYWIRE_FP_KEY_KEY_CMD_OP_SHIFT));
  return key_command(bus, &op, 1, slot, 0, generation);
}

uint64_t fp_route_key(unsigned from_peer, uint32_t route_id) {
  return ((uint64_t)from_peer << SKYWIRE_FP_ROUTE_KEY_FROM_SHIFT) | route_id;
}

uint64_t fp_route_forward_value(unsigned peer, uint32_t next, unsigned counter, int qos) {
  return (1ull << SKYWIRE_FP_ROUTE_VALUE_VALID_SHIFT) | ((uint64_t)(qos != 0) << SKYWIRE_FP_ROUTE_VALUE_QOS_SHIFT) | ((uint64_t)peer << SKYWIRE_FP_ROUTE_VALUE_PORT_SHIFT) |
         ((uint64_t)counter << SKYWIRE_FP_ROUTE_VALUE_COUNTER_SHIFT) | ((uint64_t)next << SKYWIRE_FP_ROUTE_VALUE_ARG_SHIFT);
}

int fp_route_write(fp_bus *bus, const fp_route_cmd *cmds, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    const fp_route_cmd *c = &cmds[i];
    /* route_slot .. route_cmd: consecutive registers, one record; repeating it is harmless. */
    const fp_op ops[8] = {
        W(SKYWIRE_FP_ROUTE_ROUTE_SLOT, c->slot),
        W(SKYWIRE_FP_ROUTE_ROUTE_KEY_LO, (uint32_t)c->key),
        W(SKYWIRE_FP_ROUTE_ROUTE_KEY_HI, (uint32_t)(c->key >> 32)),
        W(SKYWIRE_FP_ROUTE_ROUTE_VALUE_LO, (uint32_t)c->value),
        W(SKYWIRE_FP_ROUTE_ROUTE_VALUE_HI, (uint32_t)(c->value >> 32)),
        W(SKYWIRE_FP_ROUTE_ROUTE_CMD, c->op),
        R(SKYWIRE_FP_CTRL_STATUS),
        R(SKYWIRE_FP_CTRL_ERRORS),
    };
    int attempt;
    for (attempt = 0;; attempt++) {
      uint32_t r[2];
      int rc = bus->run(bus, ops, 8, r, 1);
      if (rc) return rc;
      if (r[1] & SKYWIRE_FP_CTRL_ERRORS_ROUTE_OVERRUN_MASK) {
        if (attempt >= 3) return FP_ERR_DEVICE;
        rc = fp_write(bus, SKYWIRE_FP_CTRL_ERRORS, SKYWIRE_FP_CTRL_ERRORS_ROUTE_OVERRUN_MASK);
        if (!rc) rc = wait_route_ready(bus);
        if (rc) return rc;
        continue;
      }
      if (!(r[0] & SKYWIRE_FP_CTRL_STATUS_ROUTE_READY_MASK)) {
        rc = wait_route_ready(bus);
        if (rc) return rc;
      }
      break;
    }
  }
  return FP_OK;
}

int fp_counter_read(fp_bus *bus, unsigned bank, unsigned index, int clear, fp_counter *out) {
  const fp_op ops[5] = {
      W(SKYWIRE_FP_COUNTER_COUNTER_CMD, (index << SKYWIRE_FP_COUNTER_COUNTER_CMD_INDEX_SHIFT) | (bank << SKYWIRE_FP_COUNTER_COUNTER_CMD_BANK_SHIFT) | ((clear ? 1u : 0u) << SKYWIRE_FP_COUNTER_COUNTER_CMD_CLEAR_SHIFT)),
      R(SKYWIRE_FP_COUNTER_COUNTER_STATUS), R(SKYWIRE_FP_COUNTER_COUNTER_FRAMES), R(SKYWIRE_FP_COUNTER_COUNTER_BYTES_LO), R(SKYWIRE_FP_COUNTER_COUNTER_BYTES_HI)};
  uint32_t r[4];
  int i, rc = bus->run(bus, ops, 5, r, !clear); /* a read-and-clear is never sent twice: it would lose counts */
  if (rc) return rc;
  for (i = 0; r[0] & 1; i++) {
    if (i >= POLLS) return FP_ERR_DEVICE;
    rc = bus->run(bus, ops + 1, 4, r, 1);
    if (rc) return rc;
  }
  out->frames = r[1];
  out->bytes = ((uint64_t)r[3] << 32) | r[2];
  return FP_OK;
}

int fp_host_recv(fp_bus *bus, uint8_t *buf, size_t cap, size_t *len) {
  uint32_t st;
  size_t n, words, at;
  int rc = fp_read(bus, SKYWIRE_FP_HOST_HOST_RX_STATUS, &st);
  *len = 0;
  if (rc) return rc;
  if (!(st & SKYWIRE_FP_HOST_HOST_RX_STATUS_AVAIL_MASK)) return FP_OK;
  n = (st & SKYWIRE_FP_HOST_HOST_RX_STATUS_LENGTH_MASK) >> SKYWIRE_FP_HOST_HOST_RX_STATUS_LENGTH_SHIFT;
  if (n > cap) return FP_ERR_ARG;
  words = (n + 3) / 4;
  for (at = 0; at < words; at += 255) {
    fp_op ops[255];
    uint32_t w[255];
    size_t k, m = words - at < 255 ? words - at : 255;
    for (k = 0; k < m; k++) ops[k] = R(SKYWIRE_FP_HOST_HOST_RX_DATA);
    rc = bus->run(bus, ops, m, w, 0); /* pops: never sent twice */
    if (rc) return rc;
    for (k = 0; k < m; k++) {
      size_t b, byte = 4 * (at + k);
      for (b = 0; b < 4 && byte + b < n; b++) buf[byte + b] = (uint8_t)(w[k] >> (24 - 8 * b));
    }
  }
  *len = n;
  return FP_OK;
}

int fp_host_send(fp_bus *bus, const uint8_t *frame, size_t len) {
  uint32_t st, err;
  size_t i, words = (len + 3) / 4;
  fp_op commit[2];
  int rc;
  if (len < SKYWIRE_FP_HOST_HEADER_BYTES || len > 0xffff) return FP_ERR_ARG;
  rc = fp_read(bus, SKYWIRE_FP_HOST_HOST_TX_STATUS, &st);
  if (rc) return rc;
  if ((st & SKYWIRE_FP_HOST_HOST_TX_STATUS_FREE_WORDS_MASK) < words) return FP_ERR_DEVICE;
  for (i = 0; i < words; i++) {
    uint32_t w = 0;
    size_t b;
    fp_op op;
    for (b = 0; b < 4; b++) w |= (uint32_t)(4 * i + b < len ? frame[4 * i + b] : 0) << (24 - 8 * b);
    op = W(SKYWIRE_FP_HOST_HOST_TX_DATA, w);
    rc = bus->run(bus, &op, 1, NULL, 0); /* a push: never sent twice */
    if (rc) return rc;
  }
  commit[0] = W(SKYWIRE_FP_HOST_HOST_TX_COMMIT, (uint32_t)len);
  commit[1] = R(SKYWIRE_FP_CTRL_ERRORS);
  rc = bus->run(bus, commit, 2, &err, 0);
  if (rc) return rc;
  if (err & SKYWIRE_FP_CTRL_ERRORS_HOST_TX_BAD_MASK) {
    fp_write(bus, SKYWIRE_FP_CTRL_ERRORS, SKYWIRE_FP_CTRL_ERRORS_HOST_TX_BAD_MASK);
    return FP_ERR_DEVICE;
  }
  return FP_OK;
}
