/* fp_bus.h: how the forwarding-plane library reaches the device's registers.
 *
 * A bus runs a batch of 32-bit accesses in order and returns what the reads saw, like the
 * host driver's RegisterBus (host/device/bus.ts). fp_etherbone.c is one bus (Etherbone over
 * UDP, POSIX sockets); a soft CPU next to the plane would implement run() with plain loads and
 * stores, and the rest of the library stays as it is. */
#ifndef FP_BUS_H
#define FP_BUS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint32_t address; /* byte address */
  uint32_t value;   /* written value (ignored for reads) */
  uint8_t write;    /* 1: write, 0: read */
} fp_op;

/* Results of fp_bus.run. */
enum {
  FP_OK = 0,
  FP_ERR_TIMEOUT = -1, /* no answer: with resend = 0 the device may have run the batch */
  FP_ERR_IO = -2,      /* the socket or the system refused */
  FP_ERR_ARG = -3,     /* a bad argument (a batch too large, a peer out of range, ...) */
  FP_ERR_DEVICE = -4,  /* the device answered, but not as it must (wrong magic or build, stuck busy, sticky error) */
};

typedef struct fp_bus {
  /* Runs ops[0..n) in order; reads[] receives every read's value, in order. `resend` says the
   * batch may be sent again when its answer is lost (plain registers); 0 for commands with a
   * side effect. Returns FP_OK or an FP_ERR_ code. */
  int (*run)(struct fp_bus *bus, const fp_op *ops, size_t n, uint32_t *reads, int resend);
  void *ctx;
} fp_bus;

#endif
