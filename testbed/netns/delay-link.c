// delay-link: one emulated point-to-point link between two network namespaces.
//
//   delay-link <nsA> <devA> <nsB> <devB> <delay_us>
//
// Creates a TUN device devA inside namespace nsA and devB inside nsB, then copies every IP
// packet from one to the other after a fixed one-way delay. The kernel here has no netem,
// so delay lives in this small user-space process; loss (nftables) and rate (tbf) are
// applied by the kernel on the TUN devices and act alike on TCP and on our traffic.
// Prints "ready" when both devices exist; exits when stdin closes or on SIGTERM, and the
// devices vanish with it.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define MAX_PKT 2048
/* Packets held per direction: 8192 x 2 KB covers 10 ms at well over 1 Gb/s. */
#define QUEUE 8192

struct pkt { uint64_t due; uint16_t len; uint8_t data[MAX_PKT]; };
struct dir { int in, out; struct pkt *q; unsigned head, tail; unsigned long drops; };

static volatile sig_atomic_t stop;
static void on_signal(int s) { (void)s; stop = 1; }

static uint64_t now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

static int open_tun_in(const char *ns, const char *dev) {
  char path[256];
  snprintf(path, sizeof path, "/var/run/netns/%s", ns);
  int nsfd = open(path, O_RDONLY);
  if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) < 0) { perror(path); exit(2); }
  close(nsfd);
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK);
  if (fd < 0) { perror("/dev/net/tun"); exit(2); }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  strncpy(ifr.ifr_name, dev, IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) { perror("TUNSETIFF"); exit(2); }
  return fd;
}

static void pump_in(struct dir *d, uint64_t delay) {
  for (;;) {
    struct pkt *p = &d->q[d->tail % QUEUE];
    if (d->tail - d->head >= QUEUE) { uint8_t junk[MAX_PKT]; if (read(d->in, junk, sizeof junk) <= 0) return; d->drops++; continue; }
    ssize_t n = read(d->in, p->data, MAX_PKT);
    if (n <= 0) return;
    p->len = (uint16_t)n;
    p->due = now_us() + delay;
    d->tail++;
  }
}

static void pump_out(struct dir *d, uint64_t now) {
  while (d->head != d->tail && d->q[d->head % QUEUE].due <= now) {
    struct pkt *p = &d->q[d->head % QUEUE];
    if (write(d->out, p->data, p->len) < 0 && errno == EAGAIN) return;
    d->head++;
  }
}

int main(int argc, char **argv) {
  if (argc != 6) { fprintf(stderr, "usage: delay-link nsA devA nsB devB delay_us\n"); return 1; }
  uint64_t delay = strtoull(argv[5], 0, 10);
  int a = open_tun_in(argv[1], argv[2]);
  int b = open_tun_in(argv[3], argv[4]);
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  struct dir ab = { a, b, calloc(QUEUE, sizeof(struct pkt)), 0, 0, 0 };
  struct dir ba = { b, a, calloc(QUEUE, sizeof(struct pkt)), 0, 0, 0 };
  if (!ab.q || !ba.q) return 2;
  printf("ready\n");
  fflush(stdout);
  struct pollfd fds[3] = { { a, POLLIN, 0 }, { b, POLLIN, 0 }, { 0, POLLIN, 0 } };
  while (!stop) {
    uint64_t now = now_us();
    pump_out(&ab, now);
    pump_out(&ba, now);
    uint64_t next = UINT64_MAX;
    if (ab.head != ab.tail) next = ab.q[ab.head % QUEUE].due;
    if (ba.head != ba.tail && ba.q[ba.head % QUEUE].due < next) next = ba.q[ba.head % QUEUE].due;
    /* Sleep exactly until the next packet is due (ppoll takes nanoseconds; no spinning). */
    struct timespec ts = { 0, 100 * 1000000L };
    if (next != UINT64_MAX) {
      uint64_t wait = next > now ? next - now : 0;
      ts.tv_sec = (time_t)(wait / 1000000u);
      ts.tv_nsec = (long)(wait % 1000000u) * 1000L;
    }
    if (ppoll(fds, 3, &ts, NULL) < 0 && errno != EINTR) break;
    if (fds[2].revents & (POLLIN | POLLHUP)) {
      char c;
      if (read(0, &c, 1) <= 0) break;
    }
    if (fds[0].revents & POLLIN) pump_in(&ab, delay);
    if (fds[1].revents & POLLIN) pump_in(&ba, delay);
  }
  fprintf(stderr, "delay-link %s/%s: %lu + %lu queue drops\n", argv[2], argv[4], ab.drops, ba.drops);
  return 0;
}
