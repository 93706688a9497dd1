/* skywire_fp_regs.h: the skywire_fp register map 1.3 (Skywire forwarding plane: 2 network ports, 16 peers, 4096 + 4 route slots.)
 * Generated from spec/forwarding/registers.ts by `npm run gen` (rtl-gen/regmap/c-header.ts); do not edit.
 * Addresses are byte addresses on the device bus (Wishbone; Etherbone reaches the same addresses).
 * Every register is 32 bits; REG(i) macros take the element of an array group. */
#ifndef SKYWIRE_FP_REGS_H
#define SKYWIRE_FP_REGS_H

#define SKYWIRE_FP_MAP_BYTES                             0x2000u
#define SKYWIRE_FP_VERSION_MAJOR                         1u
#define SKYWIRE_FP_VERSION_MINOR                         3u

/* id: What this device is: constants of the build. */
#define SKYWIRE_FP_ID_BASE                               0x0u
/* id.magic (ro): Reads "SKYW" (0x534b5957) on every build: the device is a Skywire forwarding plane. */
#define SKYWIRE_FP_ID_MAGIC                              0x0u
#define SKYWIRE_FP_ID_MAGIC_MAGIC_SHIFT                  0u  /* magic number */
#define SKYWIRE_FP_ID_MAGIC_MAGIC_WIDTH                  32u
#define SKYWIRE_FP_ID_MAGIC_MAGIC_MASK                   0xffffffffu
#define SKYWIRE_FP_ID_MAGIC_MAGIC_VALUE                  0x534b5957u
/* id.version (ro): Version of this register map. */
#define SKYWIRE_FP_ID_VERSION                            0x4u
#define SKYWIRE_FP_ID_VERSION_MINOR_SHIFT                0u  /* additions */
#define SKYWIRE_FP_ID_VERSION_MINOR_WIDTH                16u
#define SKYWIRE_FP_ID_VERSION_MINOR_MASK                 0xffffu
#define SKYWIRE_FP_ID_VERSION_MINOR_VALUE                0x3u
#define SKYWIRE_FP_ID_VERSION_MAJOR_SHIFT                16u  /* incompatible changes */
#define SKYWIRE_FP_ID_VERSION_MAJOR_WIDTH                16u
#define SKYWIRE_FP_ID_VERSION_MAJOR_MASK                 0xffff0000u
#define SKYWIRE_FP_ID_VERSION_MAJOR_VALUE                0x1u
/* id.build_id (ro): Digest of the register map and the build parameters: the driver refuses a device whose build ID differs from its own map. */
#define SKYWIRE_FP_ID_BUILD_ID                           0x8u
#define SKYWIRE_FP_ID_BUILD_ID_BUILD_ID_SHIFT            0u  /* FNV-1a digest */
#define SKYWIRE_FP_ID_BUILD_ID_BUILD_ID_WIDTH            32u
#define SKYWIRE_FP_ID_BUILD_ID_BUILD_ID_MASK             0xffffffffu
#define SKYWIRE_FP_ID_BUILD_ID_BUILD_ID_VALUE            0xf58af219u
/* id.shape (ro): Ports, peers and stream width. */
#define SKYWIRE_FP_ID_SHAPE                              0xcu
#define SKYWIRE_FP_ID_SHAPE_PORTS_SHIFT                  0u  /* network ports */
#define SKYWIRE_FP_ID_SHAPE_PORTS_WIDTH                  8u
#define SKYWIRE_FP_ID_SHAPE_PORTS_MASK                   0xffu
#define SKYWIRE_FP_ID_SHAPE_PORTS_VALUE                  0x2u
#define SKYWIRE_FP_ID_SHAPE_PEERS_SHIFT                  8u  /* peers served */
#define SKYWIRE_FP_ID_SHAPE_PEERS_WIDTH                  8u
#define SKYWIRE_FP_ID_SHAPE_PEERS_MASK                   0xff00u
#define SKYWIRE_FP_ID_SHAPE_PEERS_VALUE                  0x10u
#define SKYWIRE_FP_ID_SHAPE_BEAT_BYTES_SHIFT             16u  /* bytes per stream beat */
#define SKYWIRE_FP_ID_SHAPE_BEAT_BYTES_WIDTH             8u
#define SKYWIRE_FP_ID_SHAPE_BEAT_BYTES_MASK              0xff0000u
#define SKYWIRE_FP_ID_SHAPE_BEAT_BYTES_VALUE             0x8u
/* id.route_entries (ro): Route-table slots in the hashed ways (the stash adds `route_shape.stash`). */
#define SKYWIRE_FP_ID_ROUTE_ENTRIES                      0x10u
#define SKYWIRE_FP_ID_ROUTE_ENTRIES_ENTRIES_SHIFT        0u  /* slots in the ways */
#define SKYWIRE_FP_ID_ROUTE_ENTRIES_ENTRIES_WIDTH        32u
#define SKYWIRE_FP_ID_ROUTE_ENTRIES_ENTRIES_MASK         0xffffffffu
#define SKYWIRE_FP_ID_ROUTE_ENTRIES_ENTRIES_VALUE        0x1000u
/* id.route_shape (ro): Route-table geometry (spec/route-table/geometry.ts). */
#define SKYWIRE_FP_ID_ROUTE_SHAPE                        0x14u
#define SKYWIRE_FP_ID_ROUTE_SHAPE_WAYS_SHIFT             0u  /* ways (block RAMs) */
#define SKYWIRE_FP_ID_ROUTE_SHAPE_WAYS_WIDTH             4u
#define SKYWIRE_FP_ID_ROUTE_SHAPE_WAYS_MASK              0xfu
#define SKYWIRE_FP_ID_ROUTE_SHAPE_WAYS_VALUE             0x4u
#define SKYWIRE_FP_ID_ROUTE_SHAPE_STASH_SHIFT            4u  /* stash slots */
#define SKYWIRE_FP_ID_ROUTE_SHAPE_STASH_WIDTH            4u
#define SKYWIRE_FP_ID_ROUTE_SHAPE_STASH_MASK             0xf0u
#define SKYWIRE_FP_ID_ROUTE_SHAPE_STASH_VALUE            0x4u
#define SKYWIRE_FP_ID_ROUTE_SHAPE_KEY_BITS_SHIFT         8u  /* key bits (from peer, route ID) */
#define SKYWIRE_FP_ID_ROUTE_SHAPE_KEY_BITS_WIDTH         8u
#define SKYWIRE_FP_ID_ROUTE_SHAPE_KEY_BITS_MASK          0xff00u
#define SKYWIRE_FP_ID_ROUTE_SHAPE_KEY_BITS_VALUE         0x28u
#define SKYWIRE_FP_ID_ROUTE_SHAPE_VALUE_BITS_SHIFT       16u  /* value bits */
#define SKYWIRE_FP_ID_ROUTE_SHAPE_VALUE_BITS_WIDTH       8u
#define SKYWIRE_FP_ID_ROUTE_SHAPE_VALUE_BITS_MASK        0xff0000u
#define SKYWIRE_FP_ID_ROUTE_SHAPE_VALUE_BITS_VALUE       0x40u
/* id.rule_counters (ro): Per-rule traffic counters. */
#define SKYWIRE_FP_ID_RULE_COUNTERS                      0x18u
#define SKYWIRE_FP_ID_RULE_COUNTERS_COUNT_SHIFT          0u  /* counters in bank `rule` */
#define SKYWIRE_FP_ID_RULE_COUNTERS_COUNT_WIDTH          32u
#define SKYWIRE_FP_ID_RULE_COUNTERS_COUNT_MASK           0xffffffffu
#define SKYWIRE_FP_ID_RULE_COUNTERS_COUNT_VALUE          0x1000u
/* id.clock_khz (ro): The clock the design was built for. */
#define SKYWIRE_FP_ID_CLOCK_KHZ                          0x1cu
#define SKYWIRE_FP_ID_CLOCK_KHZ_KHZ_SHIFT                0u  /* kHz */
#define SKYWIRE_FP_ID_CLOCK_KHZ_KHZ_WIDTH                32u
#define SKYWIRE_FP_ID_CLOCK_KHZ_KHZ_MASK                 0xffffffffu
#define SKYWIRE_FP_ID_CLOCK_KHZ_KHZ_VALUE                0x2625au
/* id.scratch (rw): Reads back what was written; for bus checks. */
#define SKYWIRE_FP_ID_SCRATCH                            0x20u
#define SKYWIRE_FP_ID_SCRATCH_VALUE_SHIFT                0u  /* any value */
#define SKYWIRE_FP_ID_SCRATCH_VALUE_WIDTH                32u
#define SKYWIRE_FP_ID_SCRATCH_VALUE_MASK                 0xffffffffu
#define SKYWIRE_FP_ID_SCRATCH_VALUE_RESET                0x0u

/* ctrl: Switches, status and sticky errors of the whole plane. */
#define SKYWIRE_FP_CTRL_BASE                             0x40u
/* ctrl.ctrl (rw): Forwarding switch. Off after reset, so the host programs addresses, peers and keys before any frame is forwarded. */
#define SKYWIRE_FP_CTRL_CTRL                             0x40u
#define SKYWIRE_FP_CTRL_CTRL_FORWARD_ENABLE_SHIFT        0u  /* 1: open, look up, forward; 0: every frame goes to the host raw (reason passThrough) */
#define SKYWIRE_FP_CTRL_CTRL_FORWARD_ENABLE_WIDTH        1u
#define SKYWIRE_FP_CTRL_CTRL_FORWARD_ENABLE_MASK         0x1u
#define SKYWIRE_FP_CTRL_CTRL_FORWARD_ENABLE_RESET        0x0u
/* ctrl.status (ro): What the plane is busy with. */
#define SKYWIRE_FP_CTRL_STATUS                           0x44u
#define SKYWIRE_FP_CTRL_STATUS_ROUTE_READY_SHIFT         0u  /* the route table takes a command (its clear pass after reset is done and the last command was accepted) */
#define SKYWIRE_FP_CTRL_STATUS_ROUTE_READY_WIDTH         1u
#define SKYWIRE_FP_CTRL_STATUS_ROUTE_READY_MASK          0x1u
#define SKYWIRE_FP_CTRL_STATUS_KEY_BUSY_SHIFT            1u  /* a key command is under way */
#define SKYWIRE_FP_CTRL_STATUS_KEY_BUSY_WIDTH            1u
#define SKYWIRE_FP_CTRL_STATUS_KEY_BUSY_MASK             0x2u
#define SKYWIRE_FP_CTRL_STATUS_COUNTER_BUSY_SHIFT        2u  /* a counter read is under way */
#define SKYWIRE_FP_CTRL_STATUS_COUNTER_BUSY_WIDTH        1u
#define SKYWIRE_FP_CTRL_STATUS_COUNTER_BUSY_MASK         0x4u
#define SKYWIRE_FP_CTRL_STATUS_COUNTERS_READY_SHIFT      3u  /* the counters finished their clear pass after reset (reads before it are dropped) */
#define SKYWIRE_FP_CTRL_STATUS_COUNTERS_READY_WIDTH      1u
#define SKYWIRE_FP_CTRL_STATUS_COUNTERS_READY_MASK       0x8u
/* ctrl.errors (w1c): Sticky errors; write 1 to clear. */
#define SKYWIRE_FP_CTRL_ERRORS                           0x48u
#define SKYWIRE_FP_CTRL_ERRORS_ROUTE_OVERRUN_SHIFT       0u  /* a route command was written while the previous one was pending; it was dropped */
#define SKYWIRE_FP_CTRL_ERRORS_ROUTE_OVERRUN_WIDTH       1u
#define SKYWIRE_FP_CTRL_ERRORS_ROUTE_OVERRUN_MASK        0x1u
#define SKYWIRE_FP_CTRL_ERRORS_ROUTE_OVERRUN_RESET       0x0u
#define SKYWIRE_FP_CTRL_ERRORS_KEY_OVERRUN_SHIFT         1u  /* a key command was written while one was under way; it was dropped */
#define SKYWIRE_FP_CTRL_ERRORS_KEY_OVERRUN_WIDTH         1u
#define SKYWIRE_FP_CTRL_ERRORS_KEY_OVERRUN_MASK          0x2u
#define SKYWIRE_FP_CTRL_ERRORS_KEY_OVERRUN_RESET         0x0u
#define SKYWIRE_FP_CTRL_ERRORS_COUNTER_OVERRUN_SHIFT     2u  /* a counter command was written while one was under way; it was dropped */
#define SKYWIRE_FP_CTRL_ERRORS_COUNTER_OVERRUN_WIDTH     1u
#define SKYWIRE_FP_CTRL_ERRORS_COUNTER_OVERRUN_MASK      0x4u
#define SKYWIRE_FP_CTRL_ERRORS_COUNTER_OVERRUN_RESET     0x0u
#define SKYWIRE_FP_CTRL_ERRORS_HOST_TX_BAD_SHIFT         3u  /* a frame from the host had a bad header or length and was dropped */
#define SKYWIRE_FP_CTRL_ERRORS_HOST_TX_BAD_WIDTH         1u
#define SKYWIRE_FP_CTRL_ERRORS_HOST_TX_BAD_MASK          0x8u
#define SKYWIRE_FP_CTRL_ERRORS_HOST_TX_BAD_RESET         0x0u
#define SKYWIRE_FP_CTRL_ERRORS_HOST_RX_DROPPED_SHIFT     4u  /* a frame for the host found the mailbox full and was dropped */
#define SKYWIRE_FP_CTRL_ERRORS_HOST_RX_DROPPED_WIDTH     1u
#define SKYWIRE_FP_CTRL_ERRORS_HOST_RX_DROPPED_MASK      0x10u
#define SKYWIRE_FP_CTRL_ERRORS_HOST_RX_DROPPED_RESET     0x0u
#define SKYWIRE_FP_CTRL_ERRORS_COUNTER_LOST_SHIFT        5u  /* a counter increment was lost (a bug: never expected) */
#define SKYWIRE_FP_CTRL_ERRORS_COUNTER_LOST_WIDTH        1u
#define SKYWIRE_FP_CTRL_ERRORS_COUNTER_LOST_MASK         0x20u
#define SKYWIRE_FP_CTRL_ERRORS_COUNTER_LOST_RESET        0x0u

/* key: Key installation. Stage a key and its generation, then write `key_cmd`: the install applies to exactly the frames accepted after it completes (the slot turns valid last), and a slot in use is never written (the host rotates by writing the idle slot of the generation parity, spec/key-slots.ts). */
#define SKYWIRE_FP_KEY_BASE                              0x80u
/* key.key0 (wo): Key word 0: key bytes 0..3 as a little-endian u32 (ChaCha state word 4). Reads as zero. */
#define SKYWIRE_FP_KEY_KEY0                              0x80u
#define SKYWIRE_FP_KEY_KEY0_WORD_SHIFT                   0u  /* key word */
#define SKYWIRE_FP_KEY_KEY0_WORD_WIDTH                   32u
#define SKYWIRE_FP_KEY_KEY0_WORD_MASK                    0xffffffffu
#define SKYWIRE_FP_KEY_KEY0_WORD_RESET                   0x0u
/* key.key1 (wo): Key word 1: key bytes 4..7 as a little-endian u32 (ChaCha state word 5). Reads as zero. */
#define SKYWIRE_FP_KEY_KEY1                              0x84u
#define SKYWIRE_FP_KEY_KEY1_WORD_SHIFT                   0u  /* key word */
#define SKYWIRE_FP_KEY_KEY1_WORD_WIDTH                   32u
#define SKYWIRE_FP_KEY_KEY1_WORD_MASK                    0xffffffffu
#define SKYWIRE_FP_KEY_KEY1_WORD_RESET                   0x0u
/* key.key2 (wo): Key word 2: key bytes 8..11 as a little-endian u32 (ChaCha state word 6). Reads as zero. */
#define SKYWIRE_FP_KEY_KEY2                              0x88u
#define SKYWIRE_FP_KEY_KEY2_WORD_SHIFT                   0u  /* key word */
#define SKYWIRE_FP_KEY_KEY2_WORD_WIDTH                   32u
#define SKYWIRE_FP_KEY_KEY2_WORD_MASK                    0xffffffffu
#define SKYWIRE_FP_KEY_KEY2_WORD_RESET                   0x0u
/* key.key3 (wo): Key word 3: key bytes 12..15 as a little-endian u32 (ChaCha state word 7). Reads as zero. */
#define SKYWIRE_FP_KEY_KEY3                              0x8cu
#define SKYWIRE_FP_KEY_KEY3_WORD_SHIFT                   0u  /* key word */
#define SKYWIRE_FP_KEY_KEY3_WORD_WIDTH                   32u
#define SKYWIRE_FP_KEY_KEY3_WORD_MASK                    0xffffffffu
#define SKYWIRE_FP_KEY_KEY3_WORD_RESET                   0x0u
/* key.key4 (wo): Key word 4: key bytes 16..19 as a little-endian u32 (ChaCha state word 8). Reads as zero. */
#define SKYWIRE_FP_KEY_KEY4                              0x90u
#define SKYWIRE_FP_KEY_KEY4_WORD_SHIFT                   0u  /* key word */
#define SKYWIRE_FP_KEY_KEY4_WORD_WIDTH                   32u
#define SKYWIRE_FP_KEY_KEY4_WORD_MASK                    0xffffffffu
#define SKYWIRE_FP_KEY_KEY4_WORD_RESET                   0x0u
/* key.key5 (wo): Key word 5: key bytes 20..23 as a little-endian u32 (ChaCha state word 9). Reads as zero. */
#define SKYWIRE_FP_KEY_KEY5                              0x94u
#define SKYWIRE_FP_KEY_KEY5_WORD_SHIFT                   0u  /* key word */
#define SKYWIRE_FP_KEY_KEY5_WORD_WIDTH                   32u
#define SKYWIRE_FP_KEY_KEY5_WORD_MASK                    0xffffffffu
#define SKYWIRE_FP_KEY_KEY5_WORD_RESET                   0x0u
/* key.key6 (wo): Key word 6: key bytes 24..27 as a little-endian u32 (ChaCha state word 10). Reads as zero. */
#define SKYWIRE_FP_KEY_KEY6                              0x98u
#define SKYWIRE_FP_KEY_KEY6_WORD_SHIFT                   0u  /* key word */
#define SKYWIRE_FP_KEY_KEY6_WORD_WIDTH                   32u
#define SKYWIRE_FP_KEY_KEY6_WORD_MASK                    0xffffffffu
#define SKYWIRE_FP_KEY_KEY6_WORD_RESET                   0x0u
/* key.key7 (wo): Key word 7: key bytes 28..31 as a little-endian u32 (ChaCha state word 11). Reads as zero. */
#define SKYWIRE_FP_KEY_KEY7                              0x9cu
#define SKYWIRE_FP_KEY_KEY7_WORD_SHIFT                   0u  /* key word */
#define SKYWIRE_FP_KEY_KEY7_WORD_WIDTH                   32u
#define SKYWIRE_FP_KEY_KEY7_WORD_MASK                    0xffffffffu
#define SKYWIRE_FP_KEY_KEY7_WORD_RESET                   0x0u
/* key.key_generation (rw): Generation of the staged key, as frames carry it. */
#define SKYWIRE_FP_KEY_KEY_GENERATION                    0xa0u
#define SKYWIRE_FP_KEY_KEY_GENERATION_GENERATION_SHIFT   0u  /* u32 */
#define SKYWIRE_FP_KEY_KEY_GENERATION_GENERATION_WIDTH   32u
#define SKYWIRE_FP_KEY_KEY_GENERATION_GENERATION_MASK    0xffffffffu
#define SKYWIRE_FP_KEY_KEY_GENERATION_GENERATION_RESET   0x0u
/* key.key_cmd (command, wo): Runs a key operation on a slot (slot = peer x 4 + (rx ? 2 : 0) + (generation & 1)). install: the staged key and generation go into the slot; an rx slot gets an empty replay window, a tx slot a counter of 0; the slot becomes valid last. retire: the slot becomes invalid and its key words zero. */
#define SKYWIRE_FP_KEY_KEY_CMD                           0xa4u
#define SKYWIRE_FP_KEY_KEY_CMD_SLOT_SHIFT                0u  /* key slot */
#define SKYWIRE_FP_KEY_KEY_CMD_SLOT_WIDTH                8u
#define SKYWIRE_FP_KEY_KEY_CMD_SLOT_MASK                 0xffu
#define SKYWIRE_FP_KEY_KEY_CMD_SLOT_RESET                0x0u
#define SKYWIRE_FP_KEY_KEY_CMD_OP_SHIFT                  8u  /* operation */
#define SKYWIRE_FP_KEY_KEY_CMD_OP_WIDTH                  2u
#define SKYWIRE_FP_KEY_KEY_CMD_OP_MASK                   0x300u
#define SKYWIRE_FP_KEY_KEY_CMD_OP_RESET                  0x0u
#define SKYWIRE_FP_KEY_KEY_CMD_OP_INSTALL                1u
#define SKYWIRE_FP_KEY_KEY_CMD_OP_RETIRE                 2u
/* key.key_status (ro): Key engine state. */
#define SKYWIRE_FP_KEY_KEY_STATUS                        0xa8u
#define SKYWIRE_FP_KEY_KEY_STATUS_BUSY_SHIFT             0u  /* a key command is under way; the next one waits until this reads 0 */
#define SKYWIRE_FP_KEY_KEY_STATUS_BUSY_WIDTH             1u
#define SKYWIRE_FP_KEY_KEY_STATUS_BUSY_MASK              0x1u

/* route: Route-table commands (docs/route-table.md): stage slot, key and value, then write `route_cmd`. The host table manager (host/table/manager.ts) chooses slots and orders commands so lookups stay consistent. */
#define SKYWIRE_FP_ROUTE_BASE                            0xc0u
/* route.route_slot (rw): Slot of the command (way x depth + index, or entries + stash slot). */
#define SKYWIRE_FP_ROUTE_ROUTE_SLOT                      0xc0u
#define SKYWIRE_FP_ROUTE_ROUTE_SLOT_SLOT_SHIFT           0u  /* slot */
#define SKYWIRE_FP_ROUTE_ROUTE_SLOT_SLOT_WIDTH           13u
#define SKYWIRE_FP_ROUTE_ROUTE_SLOT_SLOT_MASK            0x1fffu
#define SKYWIRE_FP_ROUTE_ROUTE_SLOT_SLOT_RESET           0x0u
/* route.route_key_lo (rw): Key bits 31:0: the route ID. */
#define SKYWIRE_FP_ROUTE_ROUTE_KEY_LO                    0xc4u
#define SKYWIRE_FP_ROUTE_ROUTE_KEY_LO_ROUTE_ID_SHIFT     0u  /* route ID */
#define SKYWIRE_FP_ROUTE_ROUTE_KEY_LO_ROUTE_ID_WIDTH     32u
#define SKYWIRE_FP_ROUTE_ROUTE_KEY_LO_ROUTE_ID_MASK      0xffffffffu
#define SKYWIRE_FP_ROUTE_ROUTE_KEY_LO_ROUTE_ID_RESET     0x0u
/* route.route_key_hi (rw): Key bits 39:32: the peer the route's packets must arrive from. */
#define SKYWIRE_FP_ROUTE_ROUTE_KEY_HI                    0xc8u
#define SKYWIRE_FP_ROUTE_ROUTE_KEY_HI_FROM_SHIFT         0u  /* ingress peer */
#define SKYWIRE_FP_ROUTE_ROUTE_KEY_HI_FROM_WIDTH         8u
#define SKYWIRE_FP_ROUTE_ROUTE_KEY_HI_FROM_MASK          0xffu
#define SKYWIRE_FP_ROUTE_ROUTE_KEY_HI_FROM_RESET         0x0u
/* route.route_value_lo (rw): Value bits 31:0 (valid, local, qos, port, counter, low arg bits; spec/route-table/layout.ts). */
#define SKYWIRE_FP_ROUTE_ROUTE_VALUE_LO                  0xccu
#define SKYWIRE_FP_ROUTE_ROUTE_VALUE_LO_VALUE_SHIFT      0u  /* value bits 31:0 */
#define SKYWIRE_FP_ROUTE_ROUTE_VALUE_LO_VALUE_WIDTH      32u
#define SKYWIRE_FP_ROUTE_ROUTE_VALUE_LO_VALUE_MASK       0xffffffffu
#define SKYWIRE_FP_ROUTE_ROUTE_VALUE_LO_VALUE_RESET      0x0u
/* route.route_value_hi (rw): Value bits 63:32. */
#define SKYWIRE_FP_ROUTE_ROUTE_VALUE_HI                  0xd0u
#define SKYWIRE_FP_ROUTE_ROUTE_VALUE_HI_VALUE_SHIFT      0u  /* value bits 63:32 */
#define SKYWIRE_FP_ROUTE_ROUTE_VALUE_HI_VALUE_WIDTH      32u
#define SKYWIRE_FP_ROUTE_ROUTE_VALUE_HI_VALUE_MASK       0xffffffffu
#define SKYWIRE_FP_ROUTE_ROUTE_VALUE_HI_VALUE_RESET      0x0u
/* route.route_cmd (command, wo): Issues the staged command to the table. */
#define SKYWIRE_FP_ROUTE_ROUTE_CMD                       0xd4u
#define SKYWIRE_FP_ROUTE_ROUTE_CMD_OP_SHIFT              0u  /* operation */
#define SKYWIRE_FP_ROUTE_ROUTE_CMD_OP_WIDTH              2u
#define SKYWIRE_FP_ROUTE_ROUTE_CMD_OP_MASK               0x3u
#define SKYWIRE_FP_ROUTE_ROUTE_CMD_OP_RESET              0x0u
#define SKYWIRE_FP_ROUTE_ROUTE_CMD_OP_WRITE              0u
#define SKYWIRE_FP_ROUTE_ROUTE_CMD_OP_UPDATE             1u
#define SKYWIRE_FP_ROUTE_ROUTE_CMD_OP_DELETE             2u

/* counter: Counter reads. Write `counter_cmd`; when `counter_status.busy` reads 0, the three result registers hold the counter as it stood at one cycle, and with `clear` it restarted from zero at that very cycle, so no frame is counted twice or lost. */
#define SKYWIRE_FP_COUNTER_BASE                          0x100u
/* counter.counter_cmd (command, wo): Reads one counter. */
#define SKYWIRE_FP_COUNTER_COUNTER_CMD                   0x100u
#define SKYWIRE_FP_COUNTER_COUNTER_CMD_INDEX_SHIFT       0u  /* counter index in its bank (spec/forwarding/counters.ts) */
#define SKYWIRE_FP_COUNTER_COUNTER_CMD_INDEX_WIDTH       16u
#define SKYWIRE_FP_COUNTER_COUNTER_CMD_INDEX_MASK        0xffffu
#define SKYWIRE_FP_COUNTER_COUNTER_CMD_INDEX_RESET       0x0u
#define SKYWIRE_FP_COUNTER_COUNTER_CMD_BANK_SHIFT        16u  /* bank */
#define SKYWIRE_FP_COUNTER_COUNTER_CMD_BANK_WIDTH        4u
#define SKYWIRE_FP_COUNTER_COUNTER_CMD_BANK_MASK         0xf0000u
#define SKYWIRE_FP_COUNTER_COUNTER_CMD_BANK_RESET        0x0u
#define SKYWIRE_FP_COUNTER_COUNTER_CMD_BANK_RULE         0u
#define SKYWIRE_FP_COUNTER_COUNTER_CMD_BANK_PEER         1u
#define SKYWIRE_FP_COUNTER_COUNTER_CMD_BANK_PORT         2u
#define SKYWIRE_FP_COUNTER_COUNTER_CMD_CLEAR_SHIFT       24u  /* 1: zero the counter in the same step */
#define SKYWIRE_FP_COUNTER_COUNTER_CMD_CLEAR_WIDTH       1u
#define SKYWIRE_FP_COUNTER_COUNTER_CMD_CLEAR_MASK        0x1000000u
#define SKYWIRE_FP_COUNTER_COUNTER_CMD_CLEAR_RESET       0x0u
/* counter.counter_status (ro): Counter reader state. */
#define SKYWIRE_FP_COUNTER_COUNTER_STATUS                0x104u
#define SKYWIRE_FP_COUNTER_COUNTER_STATUS_BUSY_SHIFT     0u  /* a read is under way */
#define SKYWIRE_FP_COUNTER_COUNTER_STATUS_BUSY_WIDTH     1u
#define SKYWIRE_FP_COUNTER_COUNTER_STATUS_BUSY_MASK      0x1u
/* counter.counter_frames (ro): Frames of the last counter read. */
#define SKYWIRE_FP_COUNTER_COUNTER_FRAMES                0x108u
#define SKYWIRE_FP_COUNTER_COUNTER_FRAMES_FRAMES_SHIFT   0u  /* frames */
#define SKYWIRE_FP_COUNTER_COUNTER_FRAMES_FRAMES_WIDTH   32u
#define SKYWIRE_FP_COUNTER_COUNTER_FRAMES_FRAMES_MASK    0xffffffffu
/* counter.counter_bytes_lo (ro): Bytes of the last counter read, bits 31:0. */
#define SKYWIRE_FP_COUNTER_COUNTER_BYTES_LO              0x10cu
#define SKYWIRE_FP_COUNTER_COUNTER_BYTES_LO_BYTES_SHIFT  0u  /* bytes 31:0 */
#define SKYWIRE_FP_COUNTER_COUNTER_BYTES_LO_BYTES_WIDTH  32u
#define SKYWIRE_FP_COUNTER_COUNTER_BYTES_LO_BYTES_MASK   0xffffffffu
/* counter.counter_bytes_hi (ro): Bytes of the last counter read, high bits. */
#define SKYWIRE_FP_COUNTER_COUNTER_BYTES_HI              0x110u
#define SKYWIRE_FP_COUNTER_COUNTER_BYTES_HI_BYTES_SHIFT  0u  /* bytes 47:32 */
#define SKYWIRE_FP_COUNTER_COUNTER_BYTES_HI_BYTES_WIDTH  16u
#define SKYWIRE_FP_COUNTER_COUNTER_BYTES_HI_BYTES_MASK   0xffffu

/* host: The host-port mailbox (spec/forwarding/host-port.ts): frames with their 8-byte metadata header as 32-bit words, first byte in bits 31:24. */
#define SKYWIRE_FP_HOST_BASE                             0x140u
/* host.host_rx_status (ro): The frame waiting for the host. */
#define SKYWIRE_FP_HOST_HOST_RX_STATUS                   0x140u
#define SKYWIRE_FP_HOST_HOST_RX_STATUS_AVAIL_SHIFT       0u  /* a frame is waiting */
#define SKYWIRE_FP_HOST_HOST_RX_STATUS_AVAIL_WIDTH       1u
#define SKYWIRE_FP_HOST_HOST_RX_STATUS_AVAIL_MASK        0x1u
#define SKYWIRE_FP_HOST_HOST_RX_STATUS_LENGTH_SHIFT      16u  /* its bytes, header included */
#define SKYWIRE_FP_HOST_HOST_RX_STATUS_LENGTH_WIDTH      16u
#define SKYWIRE_FP_HOST_HOST_RX_STATUS_LENGTH_MASK       0xffff0000u
/* host.host_rx_data (pop, ro): Reading takes the next word of the waiting frame; after its last word the next frame is the waiting one. */
#define SKYWIRE_FP_HOST_HOST_RX_DATA                     0x144u
#define SKYWIRE_FP_HOST_HOST_RX_DATA_DATA_SHIFT          0u  /* frame word */
#define SKYWIRE_FP_HOST_HOST_RX_DATA_DATA_WIDTH          32u
#define SKYWIRE_FP_HOST_HOST_RX_DATA_DATA_MASK           0xffffffffu
/* host.host_tx_data (command, wo): Appends a word to the frame being built. */
#define SKYWIRE_FP_HOST_HOST_TX_DATA                     0x148u
#define SKYWIRE_FP_HOST_HOST_TX_DATA_DATA_SHIFT          0u  /* frame word */
#define SKYWIRE_FP_HOST_HOST_TX_DATA_DATA_WIDTH          32u
#define SKYWIRE_FP_HOST_HOST_TX_DATA_DATA_MASK           0xffffffffu
#define SKYWIRE_FP_HOST_HOST_TX_DATA_DATA_RESET          0x0u
/* host.host_tx_commit (command, wo): Sends the frame built so far, its first `length` bytes (header included). */
#define SKYWIRE_FP_HOST_HOST_TX_COMMIT                   0x14cu
#define SKYWIRE_FP_HOST_HOST_TX_COMMIT_LENGTH_SHIFT      0u  /* bytes */
#define SKYWIRE_FP_HOST_HOST_TX_COMMIT_LENGTH_WIDTH      16u
#define SKYWIRE_FP_HOST_HOST_TX_COMMIT_LENGTH_MASK       0xffffu
#define SKYWIRE_FP_HOST_HOST_TX_COMMIT_LENGTH_RESET      0x0u
/* host.host_tx_status (ro): Room for the next frame. */
#define SKYWIRE_FP_HOST_HOST_TX_STATUS                   0x150u
#define SKYWIRE_FP_HOST_HOST_TX_STATUS_FREE_WORDS_SHIFT  0u  /* words the transmit buffer can still take */
#define SKYWIRE_FP_HOST_HOST_TX_STATUS_FREE_WORDS_WIDTH  16u
#define SKYWIRE_FP_HOST_HOST_TX_STATUS_FREE_WORDS_MASK   0xffffu

/* port: Per network port: the node's own address there. */
#define SKYWIRE_FP_PORT_BASE                             0x200u
#define SKYWIRE_FP_PORT_COUNT                            2u
#define SKYWIRE_FP_PORT_STRIDE                           0x20u
/* port.mac_hi (rw): MAC address bytes 0-1 (bits 15:8 = byte 0, the first on the wire). */
#define SKYWIRE_FP_PORT_MAC_HI(i)                        (SKYWIRE_FP_PORT_BASE + (i) * SKYWIRE_FP_PORT_STRIDE + 0x0u)
#define SKYWIRE_FP_PORT_MAC_HI_MAC_SHIFT                 0u  /* MAC bytes 0-1 */
#define SKYWIRE_FP_PORT_MAC_HI_MAC_WIDTH                 16u
#define SKYWIRE_FP_PORT_MAC_HI_MAC_MASK                  0xffffu
#define SKYWIRE_FP_PORT_MAC_HI_MAC_RESET                 0x0u
/* port.mac_lo (rw): MAC address bytes 2-5 (bits 31:24 = byte 2). */
#define SKYWIRE_FP_PORT_MAC_LO(i)                        (SKYWIRE_FP_PORT_BASE + (i) * SKYWIRE_FP_PORT_STRIDE + 0x4u)
#define SKYWIRE_FP_PORT_MAC_LO_MAC_SHIFT                 0u  /* MAC bytes 2-5 */
#define SKYWIRE_FP_PORT_MAC_LO_MAC_WIDTH                 32u
#define SKYWIRE_FP_PORT_MAC_LO_MAC_MASK                  0xffffffffu
#define SKYWIRE_FP_PORT_MAC_LO_MAC_RESET                 0x0u
/* port.ip (rw): The node's IPv4 address on this port (bits 31:24 = first octet). */
#define SKYWIRE_FP_PORT_IP(i)                            (SKYWIRE_FP_PORT_BASE + (i) * SKYWIRE_FP_PORT_STRIDE + 0x8u)
#define SKYWIRE_FP_PORT_IP_IP_SHIFT                      0u  /* IPv4 address */
#define SKYWIRE_FP_PORT_IP_IP_WIDTH                      32u
#define SKYWIRE_FP_PORT_IP_IP_MASK                       0xffffffffu
#define SKYWIRE_FP_PORT_IP_IP_RESET                      0x0u
/* port.udp_port (rw): The node's UDP port: link datagrams arrive here and leave from it. */
#define SKYWIRE_FP_PORT_UDP_PORT(i)                      (SKYWIRE_FP_PORT_BASE + (i) * SKYWIRE_FP_PORT_STRIDE + 0xcu)
#define SKYWIRE_FP_PORT_UDP_PORT_PORT_SHIFT              0u  /* UDP port */
#define SKYWIRE_FP_PORT_UDP_PORT_PORT_WIDTH              16u
#define SKYWIRE_FP_PORT_UDP_PORT_PORT_MASK               0xffffu
#define SKYWIRE_FP_PORT_UDP_PORT_PORT_RESET              0x0u
/* port.status (ro): Port state. */
#define SKYWIRE_FP_PORT_STATUS(i)                        (SKYWIRE_FP_PORT_BASE + (i) * SKYWIRE_FP_PORT_STRIDE + 0x10u)
#define SKYWIRE_FP_PORT_STATUS_LINK_UP_SHIFT             0u  /* the PHY reports a link */
#define SKYWIRE_FP_PORT_STATUS_LINK_UP_WIDTH             1u
#define SKYWIRE_FP_PORT_STATUS_LINK_UP_MASK              0x1u

/* keyslot: State of each key slot (slot = peer x 4 + (rx ? 2 : 0) + (generation & 1)). */
#define SKYWIRE_FP_KEYSLOT_BASE                          0x800u
#define SKYWIRE_FP_KEYSLOT_COUNT                         64u
#define SKYWIRE_FP_KEYSLOT_STRIDE                        0x8u
/* keyslot.state (ro): Slot state. */
#define SKYWIRE_FP_KEYSLOT_STATE(i)                      (SKYWIRE_FP_KEYSLOT_BASE + (i) * SKYWIRE_FP_KEYSLOT_STRIDE + 0x0u)
#define SKYWIRE_FP_KEYSLOT_STATE_VALID_SHIFT             0u  /* the slot holds a key */
#define SKYWIRE_FP_KEYSLOT_STATE_VALID_WIDTH             1u
#define SKYWIRE_FP_KEYSLOT_STATE_VALID_MASK              0x1u
/* keyslot.generation (ro): Generation of the key in the slot. */
#define SKYWIRE_FP_KEYSLOT_GENERATION(i)                 (SKYWIRE_FP_KEYSLOT_BASE + (i) * SKYWIRE_FP_KEYSLOT_STRIDE + 0x4u)
#define SKYWIRE_FP_KEYSLOT_GENERATION_GENERATION_SHIFT   0u  /* u32 */
#define SKYWIRE_FP_KEYSLOT_GENERATION_GENERATION_WIDTH   32u
#define SKYWIRE_FP_KEYSLOT_GENERATION_GENERATION_MASK    0xffffffffu

/* peer: Per peer: its session, keys in use, and the header template of frames sent to it. A peer is the link to one neighbour, identified on ingress by its UDP source address and port on its network port, as the node's UDP transport identifies it. */
#define SKYWIRE_FP_PEER_BASE                             0x1000u
#define SKYWIRE_FP_PEER_COUNT                            16u
#define SKYWIRE_FP_PEER_STRIDE                           0x40u
/* peer.ctrl (rw): Session state and keys in use, as the host's link session publishes them (host/link/key-sink.ts). */
#define SKYWIRE_FP_PEER_CTRL(i)                          (SKYWIRE_FP_PEER_BASE + (i) * SKYWIRE_FP_PEER_STRIDE + 0x0u)
#define SKYWIRE_FP_PEER_CTRL_SESSION_SHIFT               0u  /* the host has a session with the peer (0: its transport frames count noSession) */
#define SKYWIRE_FP_PEER_CTRL_SESSION_WIDTH               1u
#define SKYWIRE_FP_PEER_CTRL_SESSION_MASK                0x1u
#define SKYWIRE_FP_PEER_CTRL_SESSION_RESET               0x0u
#define SKYWIRE_FP_PEER_CTRL_UP_SHIFT                    1u  /* the link is up: route packets may be forwarded to it */
#define SKYWIRE_FP_PEER_CTRL_UP_WIDTH                    1u
#define SKYWIRE_FP_PEER_CTRL_UP_MASK                     0x2u
#define SKYWIRE_FP_PEER_CTRL_UP_RESET                    0x0u
#define SKYWIRE_FP_PEER_CTRL_PAD32_SHIFT                 2u  /* pad inner messages to 32 bytes (0: to 16) */
#define SKYWIRE_FP_PEER_CTRL_PAD32_WIDTH                 1u
#define SKYWIRE_FP_PEER_CTRL_PAD32_MASK                  0x4u
#define SKYWIRE_FP_PEER_CTRL_PAD32_RESET                 0x0u
#define SKYWIRE_FP_PEER_CTRL_TX_VALID_SHIFT              3u  /* a current transmit key exists */
#define SKYWIRE_FP_PEER_CTRL_TX_VALID_WIDTH              1u
#define SKYWIRE_FP_PEER_CTRL_TX_VALID_MASK               0x8u
#define SKYWIRE_FP_PEER_CTRL_TX_VALID_RESET              0x0u
#define SKYWIRE_FP_PEER_CTRL_TX_SLOT_SHIFT               4u  /* generation parity of the current transmit key */
#define SKYWIRE_FP_PEER_CTRL_TX_SLOT_WIDTH               1u
#define SKYWIRE_FP_PEER_CTRL_TX_SLOT_MASK                0x10u
#define SKYWIRE_FP_PEER_CTRL_TX_SLOT_RESET               0x0u
#define SKYWIRE_FP_PEER_CTRL_RX_VALID_SHIFT              5u  /* a current receive key exists */
#define SKYWIRE_FP_PEER_CTRL_RX_VALID_WIDTH              1u
#define SKYWIRE_FP_PEER_CTRL_RX_VALID_MASK               0x20u
#define SKYWIRE_FP_PEER_CTRL_RX_VALID_RESET              0x0u
#define SKYWIRE_FP_PEER_CTRL_RX_SLOT_SHIFT               6u  /* generation parity of the current receive key (frames under the other go to the host, reason nextKey) */
#define SKYWIRE_FP_PEER_CTRL_RX_SLOT_WIDTH               1u
#define SKYWIRE_FP_PEER_CTRL_RX_SLOT_MASK                0x40u
#define SKYWIRE_FP_PEER_CTRL_RX_SLOT_RESET               0x0u
#define SKYWIRE_FP_PEER_CTRL_ENABLED_SHIFT               7u  /* the slot describes a neighbour: UDP from its address and port on its network port is its traffic (0: such frames go to the host, reason unknownSource) */
#define SKYWIRE_FP_PEER_CTRL_ENABLED_WIDTH               1u
#define SKYWIRE_FP_PEER_CTRL_ENABLED_MASK                0x80u
#define SKYWIRE_FP_PEER_CTRL_ENABLED_RESET               0x0u
#define SKYWIRE_FP_PEER_CTRL_PORT_SHIFT                  8u  /* network port the peer is reached on */
#define SKYWIRE_FP_PEER_CTRL_PORT_WIDTH                  4u
#define SKYWIRE_FP_PEER_CTRL_PORT_MASK                   0xf00u
#define SKYWIRE_FP_PEER_CTRL_PORT_RESET                  0x0u
/* peer.local_id (rw): Our session ID: the receiver field of frames the peer sends. */
#define SKYWIRE_FP_PEER_LOCAL_ID(i)                      (SKYWIRE_FP_PEER_BASE + (i) * SKYWIRE_FP_PEER_STRIDE + 0x4u)
#define SKYWIRE_FP_PEER_LOCAL_ID_ID_SHIFT                0u  /* session ID */
#define SKYWIRE_FP_PEER_LOCAL_ID_ID_WIDTH                32u
#define SKYWIRE_FP_PEER_LOCAL_ID_ID_MASK                 0xffffffffu
#define SKYWIRE_FP_PEER_LOCAL_ID_ID_RESET                0x0u
/* peer.remote_id (rw): The peer's session ID: the receiver field of frames we send. */
#define SKYWIRE_FP_PEER_REMOTE_ID(i)                     (SKYWIRE_FP_PEER_BASE + (i) * SKYWIRE_FP_PEER_STRIDE + 0x8u)
#define SKYWIRE_FP_PEER_REMOTE_ID_ID_SHIFT               0u  /* session ID */
#define SKYWIRE_FP_PEER_REMOTE_ID_ID_WIDTH               32u
#define SKYWIRE_FP_PEER_REMOTE_ID_ID_MASK                0xffffffffu
#define SKYWIRE_FP_PEER_REMOTE_ID_ID_RESET               0x0u
/* peer.mac_hi (rw): Destination MAC bytes 0-1 (bits 15:8 = byte 0): the peer or the gateway toward it. */
#define SKYWIRE_FP_PEER_MAC_HI(i)                        (SKYWIRE_FP_PEER_BASE + (i) * SKYWIRE_FP_PEER_STRIDE + 0xcu)
#define SKYWIRE_FP_PEER_MAC_HI_MAC_SHIFT                 0u  /* MAC bytes 0-1 */
#define SKYWIRE_FP_PEER_MAC_HI_MAC_WIDTH                 16u
#define SKYWIRE_FP_PEER_MAC_HI_MAC_MASK                  0xffffu
#define SKYWIRE_FP_PEER_MAC_HI_MAC_RESET                 0x0u
/* peer.mac_lo (rw): Destination MAC bytes 2-5. */
#define SKYWIRE_FP_PEER_MAC_LO(i)                        (SKYWIRE_FP_PEER_BASE + (i) * SKYWIRE_FP_PEER_STRIDE + 0x10u)
#define SKYWIRE_FP_PEER_MAC_LO_MAC_SHIFT                 0u  /* MAC bytes 2-5 */
#define SKYWIRE_FP_PEER_MAC_LO_MAC_WIDTH                 32u
#define SKYWIRE_FP_PEER_MAC_LO_MAC_MASK                  0xffffffffu
#define SKYWIRE_FP_PEER_MAC_LO_MAC_RESET                 0x0u
/* peer.ip (rw): The peer's IPv4 address. */
#define SKYWIRE_FP_PEER_IP(i)                            (SKYWIRE_FP_PEER_BASE + (i) * SKYWIRE_FP_PEER_STRIDE + 0x14u)
#define SKYWIRE_FP_PEER_IP_IP_SHIFT                      0u  /* IPv4 address */
#define SKYWIRE_FP_PEER_IP_IP_WIDTH                      32u
#define SKYWIRE_FP_PEER_IP_IP_MASK                       0xffffffffu
#define SKYWIRE_FP_PEER_IP_IP_RESET                      0x0u
/* peer.udp_port (rw): The peer's UDP port. */
#define SKYWIRE_FP_PEER_UDP_PORT(i)                      (SKYWIRE_FP_PEER_BASE + (i) * SKYWIRE_FP_PEER_STRIDE + 0x18u)
#define SKYWIRE_FP_PEER_UDP_PORT_PORT_SHIFT              0u  /* UDP port */
#define SKYWIRE_FP_PEER_UDP_PORT_PORT_WIDTH              16u
#define SKYWIRE_FP_PEER_UDP_PORT_PORT_MASK               0xffffu
#define SKYWIRE_FP_PEER_UDP_PORT_PORT_RESET              0x0u
/* peer.ip_opts (rw): IPv4 header fields of frames sent to the peer. */
#define SKYWIRE_FP_PEER_IP_OPTS(i)                       (SKYWIRE_FP_PEER_BASE + (i) * SKYWIRE_FP_PEER_STRIDE + 0x1cu)
#define SKYWIRE_FP_PEER_IP_OPTS_TTL_SHIFT                0u  /* time to live */
#define SKYWIRE_FP_PEER_IP_OPTS_TTL_WIDTH                8u
#define SKYWIRE_FP_PEER_IP_OPTS_TTL_MASK                 0xffu
#define SKYWIRE_FP_PEER_IP_OPTS_TTL_RESET                0x40u
#define SKYWIRE_FP_PEER_IP_OPTS_TOS_SHIFT                8u  /* type of service (DSCP and ECN) */
#define SKYWIRE_FP_PEER_IP_OPTS_TOS_WIDTH                8u
#define SKYWIRE_FP_PEER_IP_OPTS_TOS_MASK                 0xff00u
#define SKYWIRE_FP_PEER_IP_OPTS_TOS_RESET                0x0u
#define SKYWIRE_FP_PEER_IP_OPTS_DF_SHIFT                 16u  /* don't fragment */
#define SKYWIRE_FP_PEER_IP_OPTS_DF_WIDTH                 1u
#define SKYWIRE_FP_PEER_IP_OPTS_DF_MASK                  0x10000u
#define SKYWIRE_FP_PEER_IP_OPTS_DF_RESET                 0x1u
/* peer.tx_counter_lo (ro): Next transmit counter of the current key, bits 31:0; reading it latches the high bits. */
#define SKYWIRE_FP_PEER_TX_COUNTER_LO(i)                 (SKYWIRE_FP_PEER_BASE + (i) * SKYWIRE_FP_PEER_STRIDE + 0x20u)
#define SKYWIRE_FP_PEER_TX_COUNTER_LO_COUNTER_SHIFT      0u  /* counter 31:0 */
#define SKYWIRE_FP_PEER_TX_COUNTER_LO_COUNTER_WIDTH      32u
#define SKYWIRE_FP_PEER_TX_COUNTER_LO_COUNTER_MASK       0xffffffffu
/* peer.tx_counter_hi (ro): Next transmit counter, bits 51:32, as latched by the last read of tx_counter_lo. */
#define SKYWIRE_FP_PEER_TX_COUNTER_HI(i)                 (SKYWIRE_FP_PEER_BASE + (i) * SKYWIRE_FP_PEER_STRIDE + 0x24u)
#define SKYWIRE_FP_PEER_TX_COUNTER_HI_COUNTER_SHIFT      0u  /* counter 51:32 */
#define SKYWIRE_FP_PEER_TX_COUNTER_HI_COUNTER_WIDTH      20u
#define SKYWIRE_FP_PEER_TX_COUNTER_HI_COUNTER_MASK       0xfffffu

/* Key slots (spec/key-slots.ts): slot = peer x 4 + (rx ? 2 : 0) + (generation & 1). */
#define SKYWIRE_FP_SLOTS_PER_PEER                        4u
#define SKYWIRE_FP_KEY_SLOT(peer, rx, gen)               ((peer) * 4u + ((rx) ? 2u : 0u) + ((gen) & 1u))

/* Route table key (spec/forwarding/route-key.ts): the ingress peer above the 32-bit route ID. */
#define SKYWIRE_FP_ROUTE_KEY_BITS                        40u
#define SKYWIRE_FP_ROUTE_KEY_FROM_SHIFT                  32u

/* Route table value (spec/route-table/layout.ts), 64 bits: field shifts and widths. */
#define SKYWIRE_FP_ROUTE_VALUE_VALID_SHIFT               0u
#define SKYWIRE_FP_ROUTE_VALUE_VALID_WIDTH               1u  /* the slot holds a route; lookups match only valid slots (0 = empty or deleted) */
#define SKYWIRE_FP_ROUTE_VALUE_LOCAL_SHIFT               1u
#define SKYWIRE_FP_ROUTE_VALUE_LOCAL_WIDTH               1u  /* 0: forward to `port` with the route ID rewritten to `arg`; 1: deliver locally to channel `arg` */
#define SKYWIRE_FP_ROUTE_VALUE_QOS_SHIFT                 2u
#define SKYWIRE_FP_ROUTE_VALUE_QOS_WIDTH                 1u  /* QoS class: 1 = priority queue, 0 = bulk */
#define SKYWIRE_FP_ROUTE_VALUE_RESERVED_SHIFT            3u
#define SKYWIRE_FP_ROUTE_VALUE_RESERVED_WIDTH            5u  /* zero */
#define SKYWIRE_FP_ROUTE_VALUE_PORT_SHIFT                8u
#define SKYWIRE_FP_ROUTE_VALUE_PORT_WIDTH                8u  /* output port when forwarding; zero when local */
#define SKYWIRE_FP_ROUTE_VALUE_COUNTER_SHIFT             16u
#define SKYWIRE_FP_ROUTE_VALUE_COUNTER_WIDTH             12u  /* index of the rule's traffic counter (bytes and packets) in the forwarding plane */
#define SKYWIRE_FP_ROUTE_VALUE_ARG_SHIFT                 28u
#define SKYWIRE_FP_ROUTE_VALUE_ARG_WIDTH                 36u  /* next route ID when forwarding, local channel number when local */

/* Counters (spec/forwarding/counters.ts): banks, and the kinds of the peer and port banks. */
#define SKYWIRE_FP_COUNTER_BANK_RULE                     0u
#define SKYWIRE_FP_COUNTER_BANK_PEER                     1u
#define SKYWIRE_FP_COUNTER_BANK_PORT                     2u
#define SKYWIRE_FP_PEER_COUNTER_STRIDE                   32u
#define SKYWIRE_FP_PEER_COUNTER_RX_FRAMES                0u
#define SKYWIRE_FP_PEER_COUNTER_TX_FRAMES                1u
#define SKYWIRE_FP_PEER_COUNTER_TO_HOST                  2u
#define SKYWIRE_FP_PEER_COUNTER_FORWARDED                3u
#define SKYWIRE_FP_PEER_COUNTER_TX_DROPPED               4u
#define SKYWIRE_FP_PEER_COUNTER_TRUNCATED                5u
#define SKYWIRE_FP_PEER_COUNTER_OVERSIZED                6u
#define SKYWIRE_FP_PEER_COUNTER_BAD_VERSION              7u
#define SKYWIRE_FP_PEER_COUNTER_BAD_TYPE                 8u
#define SKYWIRE_FP_PEER_COUNTER_BAD_FLAGS                9u
#define SKYWIRE_FP_PEER_COUNTER_COUNTER_LIMIT            10u
#define SKYWIRE_FP_PEER_COUNTER_BAD_LENGTH               11u
#define SKYWIRE_FP_PEER_COUNTER_WRONG_PEER               12u
#define SKYWIRE_FP_PEER_COUNTER_WRONG_GENERATION         13u
#define SKYWIRE_FP_PEER_COUNTER_REPLAY                   14u
#define SKYWIRE_FP_PEER_COUNTER_TOO_OLD                  15u
#define SKYWIRE_FP_PEER_COUNTER_BAD_TAG                  16u
#define SKYWIRE_FP_PEER_COUNTER_BAD_INNER                17u
#define SKYWIRE_FP_PEER_COUNTER_NO_SESSION               18u
#define SKYWIRE_FP_PORT_COUNTER_STRIDE                   16u
#define SKYWIRE_FP_PORT_COUNTER_RX_FRAMES                0u
#define SKYWIRE_FP_PORT_COUNTER_TX_FRAMES                1u
#define SKYWIRE_FP_PORT_COUNTER_TO_HOST                  2u
#define SKYWIRE_FP_PORT_COUNTER_FROM_HOST                3u
#define SKYWIRE_FP_PORT_COUNTER_OTHER_MAC                4u
#define SKYWIRE_FP_PORT_COUNTER_BAD_HEADER               5u
#define SKYWIRE_FP_PORT_COUNTER_IP_CHECKSUM              6u
#define SKYWIRE_FP_PORT_COUNTER_UDP_CHECKSUM             7u
#define SKYWIRE_FP_PORT_COUNTER_UNKNOWN_SOURCE           8u
#define SKYWIRE_FP_PORT_COUNTER_RX_OVERFLOW              9u
#define SKYWIRE_FP_PORT_COUNTER_HOST_OVERFLOW            10u

/* Host port (spec/forwarding/host-port.ts): the 8-byte metadata header of every host frame. */
#define SKYWIRE_FP_HOST_HEADER_BYTES                     8u
#define SKYWIRE_FP_HOST_NO_PEER                          0xffu
#define SKYWIRE_FP_HOST_KIND_RAW                         1u
#define SKYWIRE_FP_HOST_KIND_OPENED                      2u
#define SKYWIRE_FP_HOST_KIND_SEAL                        3u
#define SKYWIRE_FP_HOST_REASON_OTHER                     1u
#define SKYWIRE_FP_HOST_REASON_UNKNOWN_SOURCE            2u
#define SKYWIRE_FP_HOST_REASON_HANDSHAKE                 3u
#define SKYWIRE_FP_HOST_REASON_NEXT_KEY                  4u
#define SKYWIRE_FP_HOST_REASON_NOT_DATA                  5u
#define SKYWIRE_FP_HOST_REASON_NOT_ROUTE                 6u
#define SKYWIRE_FP_HOST_REASON_ROUTE_MISS                7u
#define SKYWIRE_FP_HOST_REASON_LOCAL                     8u
#define SKYWIRE_FP_HOST_REASON_PASS_THROUGH              9u

#endif /* SKYWIRE_FP_REGS_H */
