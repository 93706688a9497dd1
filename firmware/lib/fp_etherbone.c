/* Etherbone over UDP for the forwarding-plane library. A batch is cut into records as LiteEth
 * runs them (one run of consecutive writes, then up to 255 reads, one record per datagram, at
 * most one Ethernet frame); every record reads at least once so that every datagram is
 * answered; datagrams go one at a time and an answer is matched by its record's return
 * address, so a late or duplicated answer is dropped. */
#define _POSIX_C_SOURCE 200112L
#include "fp_etherbone.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define EB_MAGIC 0x4e6fu
#define EB_HEADER 8u
#define EB_MAX_OPS 255u
#define EB_MAX_DATAGRAM 1472u

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

size_t fp_etherbone_encode(uint8_t *buf, size_t cap, uint32_t base, const uint32_t *data, size_t nw, uint32_t ret, const uint32_t *addrs, size_t nr) {
  size_t len = EB_HEADER + 4 + (nw ? 4 * (nw + 1) : 0) + (nr ? 4 * (nr + 1) : 0);
  size_t i;
  uint8_t *p;
  if (nw > EB_MAX_OPS || nr > EB_MAX_OPS || len > cap) return 0;
  memset(buf, 0, EB_HEADER);
  buf[0] = EB_MAGIC >> 8;
  buf[1] = EB_MAGIC & 0xff;
  buf[2] = 0x10; /* version 1, no flags */
  buf[3] = 0x44; /* 32-bit addresses and data */
  p = buf + EB_HEADER;
  p[0] = 0;    /* record flags */
  p[1] = 0x0f; /* byte enable */
  p[2] = (uint8_t)nw;
  p[3] = (uint8_t)nr;
  p += 4;
  if (nw) {
    put32(p, base);
    p += 4;
    for (i = 0; i < nw; i++, p += 4) put32(p, data[i]);
  }
  if (nr) {
    put32(p, ret);
    p += 4;
    for (i = 0; i < nr; i++, p += 4) put32(p, addrs[i]);
  }
  return len;
}

static long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Sends one record until its answer comes; reads[] gets the nr values. */
static int exchange(fp_etherbone *eb, uint32_t base, const uint32_t *data, size_t nw, const uint32_t *addrs, size_t nr, uint32_t *reads, int resend) {
  uint8_t out[EB_MAX_DATAGRAM], in[2048];
  uint32_t tag = ++eb->tag;
  size_t len = fp_etherbone_encode(out, sizeof out, base, data, nw, tag, addrs, nr);
  int attempt, wait = eb->timeout_ms;
  int attempts = resend ? eb->attempts : 1;
  if (!len) return FP_ERR_ARG;
  for (attempt = 0; attempt < attempts; attempt++, wait *= 2) {
    long deadline;
    if (attempt) eb->resends++;
    eb->requests++;
    if (send(eb->fd, out, len, 0) < 0) return FP_ERR_IO;
    deadline = now_ms() + wait;
    for (;;) {
      struct pollfd pfd;
      long left = deadline - now_ms();
      ssize_t got;
      size_t i;
      if (left <= 0) break;
      pfd.fd = eb->fd;
      pfd.events = POLLIN;
      pfd.revents = 0;
      if (poll(&pfd, 1, (int)left) <= 0) continue;
      got = recv(eb->fd, in, sizeof in, 0);
      if (got < 0) {
        if (errno == EINTR || errno == EAGAIN || errno == ECONNREFUSED) continue;
        return FP_ERR_IO;
      }
      /* An answer: header, one record writing nr values to our tag. */
      if ((size_t)got != EB_HEADER + 4 + 4 * (nr + 1) || get32(in) >> 16 != EB_MAGIC || in[EB_HEADER + 2] != nr || in[EB_HEADER + 3] != 0 || get32(in + EB_HEADER + 4) != tag) {
        eb->stale++;
        continue;
      }
      for (i = 0; i < nr; i++) reads[i] = get32(in + EB_HEADER + 8 + 4 * i);
      return FP_OK;
    }
    eb->timeouts++;
  }
  return FP_ERR_TIMEOUT;
}

static int eb_run(fp_bus *bus, const fp_op *ops, size_t n, uint32_t *reads, int resend) {
  fp_etherbone *eb = (fp_etherbone *)bus->ctx;
  uint32_t data[EB_MAX_OPS], addrs[EB_MAX_OPS], got[EB_MAX_OPS];
  size_t i = 0, nread = 0;
  while (i < n) {
    uint32_t base = ops[i].address;
    size_t nw = 0, nr = 0, own, k;
    int rc;
    /* One run of consecutive writes... */
    while (i < n && ops[i].write && nw < EB_MAX_OPS && ops[i].address == base + 4 * nw && EB_HEADER + 4 + 4 * (nw + 2) + 8 <= EB_MAX_DATAGRAM) data[nw++] = ops[i++].value;
    /* ...then reads. */
    while (i < n && !ops[i].write && nr < EB_MAX_OPS && EB_HEADER + 4 + (nw ? 4 * (nw + 1) : 0) + 4 * (nr + 2) <= EB_MAX_DATAGRAM) addrs[nr++] = ops[i++].address;
    own = nr;
    if (!nr) addrs[nr++] = eb->ack_address;
    rc = exchange(eb, base, data, nw, addrs, nr, got, resend);
    if (rc) return rc;
    for (k = 0; k < own; k++) reads[nread++] = got[k];
  }
  return FP_OK;
}

int fp_etherbone_open(fp_etherbone *eb, fp_bus *bus, const char *host, unsigned port) {
  struct addrinfo hints, *res = NULL;
  char service[16];
  memset(eb, 0, sizeof *eb);
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_DGRAM;
  snprintf(service, sizeof service, "%u", port);
  if (getaddrinfo(host, service, &hints, &res) != 0 || !res) return FP_ERR_IO;
  eb->fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (eb->fd < 0 || connect(eb->fd, res->ai_addr, res->ai_addrlen) < 0) {
    freeaddrinfo(res);
    if (eb->fd >= 0) close(eb->fd);
    return FP_ERR_IO;
  }
  freeaddrinfo(res);
  eb->tag = (uint32_t)now_ms() * 2654435761u;
  eb->timeout_ms = 200;
  eb->attempts = 5;
  eb->ack_address = 0;
  bus->run = eb_run;
  bus->ctx = eb;
  return FP_OK;
}

void fp_etherbone_close(fp_etherbone *eb) {
  if (eb->fd >= 0) close(eb->fd);
  eb->fd = -1;
}
