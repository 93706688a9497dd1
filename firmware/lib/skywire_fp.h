/* skywire_fp.h: a small portable C library for the Skywire forwarding plane, over the
 * generated register header (include/skywire_fp_regs.h) and any fp_bus. It does what bring-up
 * and a minimal control plane need: check the device, install and retire keys, write route
 * commands in the order the host's table manager emits them, read and clear counters, and pass
 * frames through the host-port mailbox. Plain C99; the bus is the only thing that touches the
 * system. */
#ifndef SKYWIRE_FP_H
#define SKYWIRE_FP_H

#include "fp_bus.h"

typedef struct {
  uint32_t magic, version, build_id;
  unsigned ports, peers, route_entries, route_ways, route_stash, rule_counters;
  uint32_t clock_khz;
} fp_identity;

typedef struct {
  uint32_t frames;
  uint64_t bytes;
} fp_counter;

/* One route-table command: what host/table's manager emits (spec/route-table/geometry.ts). */
typedef struct {
  uint8_t op; /* SKYWIRE_FP_ROUTE_ROUTE_CMD_OP_WRITE, _UPDATE or _DELETE */
  uint32_t slot;
  uint64_t key;   /* from peer << 32 | route ID */
  uint64_t value; /* spec/route-table/layout.ts */
} fp_route_cmd;

/* Reads the identity block; FP_ERR_DEVICE when the magic is not "SKYW" or the build ID is not
 * the one this library was built against (the header's SKYWIRE_FP_ID_BUILD_ID_BUILD_ID_VALUE). */
int fp_identify(fp_bus *bus, fp_identity *id);

/* Key slots (spec/key-slots.ts). An install is sent once; when its answer is lost the slot is
 * read to see whether it ran, because running it twice would restart the key's counter. */
int fp_key_install(fp_bus *bus, unsigned peer, int rx, uint32_t generation, const uint8_t key[32]);
int fp_key_retire(fp_bus *bus, unsigned peer, int rx, uint32_t generation);

/* Route commands, in the given order (the table manager's order keeps lookups consistent);
 * each waits until the table is ready again, and one dropped by an overrun is repeated. */
int fp_route_write(fp_bus *bus, const fp_route_cmd *cmds, size_t n);
/* A route value (spec/route-table/layout.ts) forwarding to `peer` with next route `next`. */
uint64_t fp_route_forward_value(unsigned peer, uint32_t next, unsigned counter, int qos);
uint64_t fp_route_key(unsigned from_peer, uint32_t route_id);

/* One counter of bank SKYWIRE_FP_COUNTER_BANK_*; with clear it restarts from zero in the same step. */
int fp_counter_read(fp_bus *bus, unsigned bank, unsigned index, int clear, fp_counter *out);

/* Host-port mailbox. recv: *len = 0 when no frame waits; the frame (8-byte header first) goes
 * to buf, at most cap bytes. send: the frame with its header. */
int fp_host_recv(fp_bus *bus, uint8_t *buf, size_t cap, size_t *len);
int fp_host_send(fp_bus *bus, const uint8_t *frame, size_t len);

/* A word by address, for registers the helpers above do not cover. */
int fp_read(fp_bus *bus, uint32_t address, uint32_t *value);
int fp_write(fp_bus *bus, uint32_t address, uint32_t value);

const char *fp_strerror(int rc);

#endif
