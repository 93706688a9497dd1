// raw-send: puts raw IPv4 packets on a network device, past the IP stack.
//
//   raw-send <dev> <hex packet> [<hex packet> ...]
//
// An AF_PACKET datagram socket hands each packet to the device's driver as it is; on a TUN
// device that means straight to the program reading it. The tunnel tests use it to make the
// client's daemon carry packets the kernel itself would never send (a spoofed source, a bad
// checksum, a wrong length), so the gateway's checks are tested end to end.
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int unhex(const char *s, unsigned char *out, size_t max) {
  size_t n = strlen(s);
  if (n % 2 || n / 2 > max) return -1;
  for (size_t i = 0; i < n / 2; i++) {
    unsigned v;
    if (sscanf(s + 2 * i, "%2x", &v) != 1) return -1;
    out[i] = (unsigned char)v;
  }
  return (int)(n / 2);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: raw-send <dev> <hex packet>...\n");
    return 1;
  }
  int fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
  if (fd < 0) { perror("socket(AF_PACKET)"); return 2; }
  struct sockaddr_ll to;
  memset(&to, 0, sizeof to);
  to.sll_family = AF_PACKET;
  to.sll_protocol = htons(ETH_P_IP);
  to.sll_ifindex = (int)if_nametoindex(argv[1]);
  if (!to.sll_ifindex) { perror(argv[1]); return 2; }
  for (int i = 2; i < argc; i++) {
    unsigned char pkt[65536];
    int n = unhex(argv[i], pkt, sizeof pkt);
    if (n < 0) { fprintf(stderr, "raw-send: packet %d is not hex\n", i - 1); return 1; }
    if (sendto(fd, pkt, (size_t)n, 0, (struct sockaddr *)&to, sizeof to) != n) { perror("sendto"); return 3; }
  }
  close(fd);
  return 0;
}
