/* fp_etherbone.h: an fp_bus over Etherbone in UDP datagrams, as LiteX and LiteEth speak it
 * (host/device/etherbone.ts describes the wire format). POSIX sockets; no other dependency. */
#ifndef FP_ETHERBONE_H
#define FP_ETHERBONE_H

#include "fp_bus.h"

#define FP_ETHERBONE_PORT 1234u

typedef struct {
  int fd;
  uint32_t tag;         /* return address of the next record: matches answers to requests */
  int timeout_ms;       /* first wait for an answer; doubled per resend */
  int attempts;         /* sends per datagram before giving up */
  uint32_t ack_address; /* read behind a record of writes only, so it is answered */
  unsigned long requests, resends, timeouts, stale; /* what happened on the wire */
} fp_etherbone;

/* Opens a UDP socket to host:port (dotted IPv4 or a name). Returns FP_OK or FP_ERR_IO. */
int fp_etherbone_open(fp_etherbone *eb, fp_bus *bus, const char *host, unsigned port);
void fp_etherbone_close(fp_etherbone *eb);

/* Encodes one record (writes to base.. then reads) into buf; returns its length or 0 when it does not fit. */
size_t fp_etherbone_encode(uint8_t *buf, size_t cap, uint32_t base, const uint32_t *data, size_t nw, uint32_t ret, const uint32_t *addrs, size_t nr);

#endif
