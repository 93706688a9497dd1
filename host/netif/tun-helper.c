// skywire-tun: a TUN device for the node daemon, carried over the helper's stdin and stdout.
//
//   skywire-tun <name>
//
// Creates the TUN device <name> (IFF_TUN | IFF_NO_PI: bare IP packets) in the caller's
// network namespace, then copies packets both ways, each as a 2-byte big-endian length and
// the packet: from the device to stdout, from stdin to the device. A zero-length frame on
// stdout says the device exists. The device is not persistent: it vanishes when this process
// exits, and this process exits when stdin closes, so a daemon that dies (even by SIGKILL)
// leaves no device and no route through it behind. Node has no ioctl, hence this helper.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define MAX_PKT 65535
#define OUT_BUF (256 * 1024)

static uint8_t out[OUT_BUF];
static size_t out_len;
static uint8_t in[OUT_BUF + MAX_PKT + 2];
static size_t in_len;

static int write_all(int fd, const uint8_t *b, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, b, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    b += w;
    n -= (size_t)w;
  }
  return 0;
}

static void flush_out(void) {
  if (out_len && write_all(1, out, out_len) < 0) exit(0); // the daemon is gone
  out_len = 0;
}

int main(int argc, char **argv) {
  if (argc != 2 || strlen(argv[1]) >= IFNAMSIZ) {
    fprintf(stderr, "usage: skywire-tun <device name, at most %d characters>\n", IFNAMSIZ - 1);
    return 1;
  }
  signal(SIGPIPE, SIG_DFL);
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    fprintf(stderr, "skywire-tun: /dev/net/tun: %s\n", strerror(errno));
    return 2;
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  strncpy(ifr.ifr_name, argv[1], IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    fprintf(stderr, "skywire-tun: cannot create %s: %s\n", argv[1], strerror(errno));
    return 2;
  }
  static const uint8_t ready[2] = {0, 0};
  if (write_all(1, ready, 2) < 0) return 0;
  struct pollfd fds[2] = {{fd, POLLIN, 0}, {0, POLLIN, 0}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return 3;
    }
    if (fds[0].revents & POLLIN) {
      // Everything the device has, in one write to the daemon.
      for (;;) {
        if (out_len + MAX_PKT + 2 > OUT_BUF) flush_out();
        ssize_t n = read(fd, out + out_len + 2, MAX_PKT);
        if (n <= 0) break;
        out[out_len] = (uint8_t)(n >> 8);
        out[out_len + 1] = (uint8_t)n;
        out_len += (size_t)n + 2;
      }
      flush_out();
    }
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = read(0, in + in_len, OUT_BUF);
      if (n <= 0) return 0; // stdin closed: the daemon stopped or died
      in_len += (size_t)n;
      size_t at = 0;
      while (in_len - at >= 2) {
        size_t len = ((size_t)in[at] << 8) | in[at + 1];
        if (in_len - at < len + 2) break;
        // A full device queue drops the packet, as a router would.
        if (len > 0 && write(fd, in + at + 2, len) < 0 && errno != EAGAIN && errno != EINVAL && errno != EIO) return 4;
        at += len + 2;
      }
      memmove(in, in + at, in_len - at);
      in_len -= at;
    }
  }
}
