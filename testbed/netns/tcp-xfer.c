// tcp-xfer: one bulk TCP transfer with the congestion control chosen per socket, for
// comparing Linux TCP with store-and-forward on the same emulated links.
//
//   tcp-xfer server <port> <seconds>              receive; print bytes per 100 ms (from the
//                                                 first byte) as JSON
//   tcp-xfer client <host> <port> <cc> <seconds>  connect, print {"ev":"connected"}, wait for a
//                                                 line on stdin, then send as fast as TCP
//                                                 allows for <seconds>, then close
//
//   tcp-xfer rtserver <port> <seconds>            receive 64-byte probes; print their one-way
//                                                 latencies (ms) as JSON
//   tcp-xfer rtclient <host> <port> <cc> <seconds> <interval_ms>
//                                                 like client, but one 64-byte probe (seq,
//                                                 send time) per interval, TCP_NODELAY
//
// Both sides stop after a bounded time whatever happens, so a benchmark point is bounded.
// The pause after connecting lets the test bed set the links' loss after the handshake, as
// it does for store-and-forward.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

#define SLOTS 10000

static int server(int port, double secs) {
  int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = INADDR_ANY };
  if (bind(s, (void *)&a, sizeof a) < 0 || listen(s, 1) < 0) { perror("bind"); return 2; }
  printf("{\"ev\":\"listening\"}\n");
  fflush(stdout);
  double t0 = now_s(), end = t0 + secs;
  struct pollfd p = { s, POLLIN, 0 };
  if (poll(&p, 1, (int)(secs * 1000)) <= 0) { printf("{\"ev\":\"done\",\"bytes\":0,\"series\":[]}\n"); return 0; }
  int c = accept(s, 0, 0);
  double start = 0;
  static uint64_t series[SLOTS];
  uint64_t total = 0;
  char buf[65536];
  for (;;) {
    double t = now_s();
    if (t >= end) break;
    struct pollfd q = { c, POLLIN, 0 };
    int r = poll(&q, 1, (int)((end - t) * 1000) + 1);
    if (r <= 0) continue;
    ssize_t n = read(c, buf, sizeof buf);
    if (n <= 0) break;
    if (!total) start = now_s();
    total += (uint64_t)n;
    int slot = (int)((now_s() - start) * 10);
    if (slot >= 0 && slot < SLOTS) series[slot] = total;
  }
  if (!total) start = now_s();
  int last = (int)((now_s() - start) * 10);
  if (last >= SLOTS) last = SLOTS - 1;
  printf("{\"ev\":\"done\",\"bytes\":%llu,\"startedAfterMs\":%.1f,\"series\":[", (unsigned long long)total, (start - t0) * 1000);
  uint64_t carry = 0;
  for (int i = 0; i <= last; i++) {
    if (series[i] > carry) carry = series[i];
    printf("%s%llu", i ? "," : "", (unsigned long long)carry);
  }
  printf("]}\n");
  return 0;
}

static int client(const char *host, int port, const char *cc, double secs) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, cc, strlen(cc)) < 0) { perror("TCP_CONGESTION"); return 2; }
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
  inet_pton(AF_INET, host, &a.sin_addr);
  struct timeval tv = { (time_t)secs, 0 };
  setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (connect(s, (void *)&a, sizeof a) < 0) { perror("connect"); return 3; }
  printf("{\"ev\":\"connected\"}\n");
  fflush(stdout);
  char line[16];
  if (!fgets(line, sizeof line, stdin)) return 4;
  double end = now_s() + secs;
  char got[16] = { 0 };
  socklen_t gl = sizeof got;
  getsockopt(s, IPPROTO_TCP, TCP_CONGESTION, got, &gl);
  static char buf[65536];
  for (size_t i = 0; i < sizeof buf; i++) buf[i] = (char)(i * 31 + 7);
  uint64_t sent = 0;
  while (now_s() < end) {
    struct pollfd q = { s, POLLOUT, 0 };
    if (poll(&q, 1, 100) <= 0) continue;
    ssize_t n = send(s, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) sent += (uint64_t)n;
    else if (n < 0 && errno != EAGAIN) break;
  }
  printf("{\"ev\":\"sent\",\"cc\":\"%s\",\"bytes\":%llu}\n", got, (unsigned long long)sent);
  close(s);
  return 0;
}

static double wall_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

#define PROBE 64
#define MAX_PROBES 100000

static int rtserver(int port, double secs) {
  int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = INADDR_ANY };
  if (bind(s, (void *)&a, sizeof a) < 0 || listen(s, 1) < 0) { perror("bind"); return 2; }
  printf("{\"ev\":\"listening\"}\n");
  fflush(stdout);
  double end = now_s() + secs;
  struct pollfd p = { s, POLLIN, 0 };
  static double lat[MAX_PROBES];
  int n = 0;
  if (poll(&p, 1, (int)(secs * 1000)) > 0) {
    int c = accept(s, 0, 0);
    unsigned char rec[PROBE];
    size_t have = 0;
    while (now_s() < end) {
      struct pollfd q = { c, POLLIN, 0 };
      if (poll(&q, 1, 100) <= 0) continue;
      ssize_t r = read(c, rec + have, PROBE - have);
      if (r <= 0) break;
      have += (size_t)r;
      if (have < PROBE) continue;
      double sent;
      memcpy(&sent, rec + 8, sizeof sent);
      if (n < MAX_PROBES) lat[n++] = (wall_s() - sent) * 1000;
      have = 0;
    }
  }
  printf("{\"ev\":\"done\",\"latencies\":[");
  for (int i = 0; i < n; i++) printf("%s%.3f", i ? "," : "", lat[i]);
  printf("]}\n");
  return 0;
}

static int rtclient(const char *host, int port, const char *cc, double secs, double interval_ms) {
  int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  if (setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, cc, strlen(cc)) < 0) { perror("TCP_CONGESTION"); return 2; }
  setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
  inet_pton(AF_INET, host, &a.sin_addr);
  if (connect(s, (void *)&a, sizeof a) < 0) { perror("connect"); return 3; }
  printf("{\"ev\":\"connected\"}\n");
  fflush(stdout);
  char line[16];
  if (!fgets(line, sizeof line, stdin)) return 4;
  double end = now_s() + secs;
  unsigned char rec[PROBE];
  memset(rec, 0, sizeof rec);
  for (uint32_t seq = 0; now_s() < end; seq++) {
    double t = wall_s();
    memcpy(rec, &seq, sizeof seq);
    memcpy(rec + 8, &t, sizeof t);
    if (send(s, rec, PROBE, 0) != PROBE) break;
    struct timespec d = { 0, (long)(interval_ms * 1e6) };
    nanosleep(&d, 0);
  }
  printf("{\"ev\":\"sent\",\"cc\":\"%s\"}\n", cc);
  close(s);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && !strcmp(argv[1], "rtserver")) return rtserver(atoi(argv[2]), atof(argv[3]));
  if (argc == 7 && !strcmp(argv[1], "rtclient")) return rtclient(argv[2], atoi(argv[3]), argv[4], atof(argv[5]), atof(argv[6]));
  if (argc == 4 && !strcmp(argv[1], "server")) return server(atoi(argv[2]), atof(argv[3]));
  if (argc == 6 && !strcmp(argv[1], "client")) return client(argv[2], atoi(argv[3]), argv[4], atof(argv[5]));
  fprintf(stderr, "usage: tcp-xfer server <port> <secs> | client <host> <port> <cc> <secs>\n");
  return 1;
}
