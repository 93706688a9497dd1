// DP16KD: behavioural model of the Lattice ECP5 18 Kbit true dual-port block RAM, for
// simulation and lint (in Verilator) only. Synthesis never reads this file: yosys takes the cell
// from its ECP5 library and nextpnr places the real block. Written for this project from the
// ECP5 sysMEM usage guide; it models the subset rtl-gen/vendor/ecp5.ts can instantiate:
//
//   - both ports the same width, DATA_WIDTH_A = DATA_WIDTH_B = 1, 2, 4, 9 or 18; the word
//     address is AD[13:lo] with lo = 0, 1, 2, 3, 4; at width 18 AD[1:0] are the write
//     enables of bits 8:0 and 17:9 and AD[3:2] are ignored;
//   - REGMODE "NOREG" (DO shows the read latch) or "OUTREG" (DO shows an output register
//     loaded from the latch at the next edge while OCE is 1: one more cycle of latency);
//   - WRITEMODE "NORMAL" (a write leaves the latch unchanged), "WRITETHROUGH" (the latch
//     takes the written word) or "READBEFOREWRITE" (the latch takes the old word);
//   - CSDECODE_x: the port works only while {CSx2, CSx1, CSx0} equals it;
//   - RESETMODE "SYNC": RST clears the latch and the output register at the clock edge.
//
// Both ports are modelled on CLKA: the generators connect one clock to both. What the real
// block leaves undefined is made visibly wrong, so a design that depends on it fails its
// tests: a port reading the word the other port writes at the same edge gets the old word
// inverted, and two writes of one word store port A's data inverted. Contents start at zero
// (INITVAL is not modelled).

`timescale 1ns / 1ps
`default_nettype none

// String parameters are 16 characters wide (right-aligned, as Verilog pads strings), so
// they compare with the mode names below at one width.
module DP16KD #(
    parameter DATA_WIDTH_A = 18,
    parameter DATA_WIDTH_B = 18,
    parameter [127:0] REGMODE_A = "NOREG",
    parameter [127:0] REGMODE_B = "NOREG",
    parameter [127:0] WRITEMODE_A = "NORMAL",
    parameter [127:0] WRITEMODE_B = "NORMAL",
    parameter [127:0] CSDECODE_A = "0b000",
    parameter [127:0] CSDECODE_B = "0b000",
    parameter [127:0] RESETMODE = "SYNC"
) (
    input  wire DIA17, DIA16, DIA15, DIA14, DIA13, DIA12, DIA11, DIA10, DIA9,
    input  wire DIA8, DIA7, DIA6, DIA5, DIA4, DIA3, DIA2, DIA1, DIA0,
    input  wire ADA13, ADA12, ADA11, ADA10, ADA9, ADA8, ADA7, ADA6, ADA5, ADA4, ADA3, ADA2, ADA1, ADA0,
    input  wire CEA, OCEA, CLKA, WEA, RSTA, CSA2, CSA1, CSA0,
    output wire DOA17, DOA16, DOA15, DOA14, DOA13, DOA12, DOA11, DOA10, DOA9,
    output wire DOA8, DOA7, DOA6, DOA5, DOA4, DOA3, DOA2, DOA1, DOA0,
    input  wire DIB17, DIB16, DIB15, DIB14, DIB13, DIB12, DIB11, DIB10, DIB9,
    input  wire DIB8, DIB7, DIB6, DIB5, DIB4, DIB3, DIB2, DIB1, DIB0,
    input  wire ADB13, ADB12, ADB11, ADB10, ADB9, ADB8, ADB7, ADB6, ADB5, ADB4, ADB3, ADB2, ADB1, ADB0,
    input  wire CEB, OCEB, CLKB, WEB, RSTB, CSB2, CSB1, CSB0,
    output wire DOB17, DOB16, DOB15, DOB14, DOB13, DOB12, DOB11, DOB10, DOB9,
    output wire DOB8, DOB7, DOB6, DOB5, DOB4, DOB3, DOB2, DOB1, DOB0
);

localparam [127:0] OUTREG = "OUTREG";
localparam [127:0] WRITETHROUGH = "WRITETHROUGH";
localparam [127:0] READBEFOREWRITE = "READBEFOREWRITE";
localparam [127:0] SYNC = "SYNC";

localparam W = DATA_WIDTH_A;
// Lowest word-address bit of AD[13:0]; the depth follows (1024 x 18 ... 16384 x 1).
localparam LO = W == 18 ? 4 : W == 9 ? 3 : W == 4 ? 2 : W == 2 ? 1 : 0;
localparam DEPTH = 1 << (14 - LO);

// The CSDECODE strings are "0bXYZ": the last three characters are chip-select bits 2, 1, 0.
localparam [2:0] CS_A = {CSDECODE_A[23:16] == "1", CSDECODE_A[15:8] == "1", CSDECODE_A[7:0] == "1"};
localparam [2:0] CS_B = {CSDECODE_B[23:16] == "1", CSDECODE_B[15:8] == "1", CSDECODE_B[7:0] == "1"};

initial begin
    if (DATA_WIDTH_B != W || (W != 1 && W != 2 && W != 4 && W != 9 && W != 18)) begin
        $display("DP16KD model: DATA_WIDTH_A %0d, DATA_WIDTH_B %0d: only equal widths of 1, 2, 4, 9 or 18 are modelled", W, DATA_WIDTH_B);
        $finish;
    end
    if (RESETMODE != SYNC) begin
        $display("DP16KD model: only RESETMODE \"SYNC\" is modelled");
        $finish;
    end
end

wire [17:0] dia = {DIA17, DIA16, DIA15, DIA14, DIA13, DIA12, DIA11, DIA10, DIA9, DIA8, DIA7, DIA6, DIA5, DIA4, DIA3, DIA2, DIA1, DIA0};
wire [17:0] dib = {DIB17, DIB16, DIB15, DIB14, DIB13, DIB12, DIB11, DIB10, DIB9, DIB8, DIB7, DIB6, DIB5, DIB4, DIB3, DIB2, DIB1, DIB0};
wire [13:0] ada = {ADA13, ADA12, ADA11, ADA10, ADA9, ADA8, ADA7, ADA6, ADA5, ADA4, ADA3, ADA2, ADA1, ADA0};
wire [13:0] adb = {ADB13, ADB12, ADB11, ADB10, ADB9, ADB8, ADB7, ADB6, ADB5, ADB4, ADB3, ADB2, ADB1, ADB0};
// Data bits above the width and address bits below LO are ignored at some widths; this wire
// reads them (and the byte enables, used only at width 18) so lint sees every pin used
// (Verilator ignores names containing "unused").
wire unused_at_some_widths = ^{dia, dib, ada[3:0], adb[3:0], CLKB, be_a, be_b};

wire [13-LO:0] addr_a = ada[13:LO];
wire [13-LO:0] addr_b = adb[13:LO];
// Bits each port writes: at width 18, AD[0] enables bits 8:0 and AD[1] bits 17:9.
wire [17:0] be_a = W == 18 ? {{9{ADA1}}, {9{ADA0}}} : {18{1'b1}};
wire [17:0] be_b = W == 18 ? {{9{ADB1}}, {9{ADB0}}} : {18{1'b1}};
wire [W-1:0] mask_a = be_a[W-1:0];
wire [W-1:0] mask_b = be_b[W-1:0];
// Below width 18 only the low W enables are used.
wire unused_enables_at_some_widths = ^{be_a, be_b};

wire on_a = CEA && {CSA2, CSA1, CSA0} == CS_A;
wire on_b = CEB && {CSB2, CSB1, CSB0} == CS_B;
wire write_a = on_a && WEA;
wire write_b = on_b && WEB;
wire same_word = addr_a == addr_b;

reg [W-1:0] mem [0:DEPTH-1];
reg [W-1:0] latch_a;
reg [W-1:0] latch_b;
reg [W-1:0] out_a;
reg [W-1:0] out_b;
wire [W-1:0] old_a = mem[addr_a];
wire [W-1:0] old_b = mem[addr_b];
wire [W-1:0] new_a = (old_a & ~mask_a) | (dia[W-1:0] & mask_a);
wire [W-1:0] new_b = (old_b & ~mask_b) | (dib[W-1:0] & mask_b);

integer i;
initial begin
    for (i = 0; i < DEPTH; i = i + 1) mem[i] = {W{1'b0}};
    latch_a = {W{1'b0}};
    latch_b = {W{1'b0}};
    out_a = {W{1'b0}};
    out_b = {W{1'b0}};
end

always @(posedge CLKA) begin
    if (write_a && write_b && same_word) mem[addr_a] <= ~new_a;
    else begin
        if (write_a) mem[addr_a] <= new_a;
        if (write_b) mem[addr_b] <= new_b;
    end
    if (RSTA) latch_a <= {W{1'b0}};
    else if (on_a && !WEA) latch_a <= write_b && same_word ? ~old_a : old_a;
    else if (write_a && WRITEMODE_A == WRITETHROUGH) latch_a <= new_a;
    else if (write_a && WRITEMODE_A == READBEFOREWRITE) latch_a <= old_a;
    if (RSTB) latch_b <= {W{1'b0}};
    else if (on_b && !WEB) latch_b <= write_a && same_word ? ~old_b : old_b;
    else if (write_b && WRITEMODE_B == WRITETHROUGH) latch_b <= new_b;
    else if (write_b && WRITEMODE_B == READBEFOREWRITE) latch_b <= old_b;
    if (RSTA) out_a <= {W{1'b0}};
    else if (OCEA) out_a <= latch_a;
    if (RSTB) out_b <= {W{1'b0}};
    else if (OCEB) out_b <= latch_b;
end

wire [W-1:0] do_a = REGMODE_A == OUTREG ? out_a : latch_a;
wire [W-1:0] do_b = REGMODE_B == OUTREG ? out_b : latch_b;
wire [17:0] doa;
wire [17:0] dob;
generate
    if (W == 18) begin : full_width
        assign doa = do_a;
        assign dob = do_b;
    end else begin : narrow
        assign doa = {{(18 - W){1'b0}}, do_a};
        assign dob = {{(18 - W){1'b0}}, do_b};
    end
endgenerate
assign {DOA17, DOA16, DOA15, DOA14, DOA13, DOA12, DOA11, DOA10, DOA9, DOA8, DOA7, DOA6, DOA5, DOA4, DOA3, DOA2, DOA1, DOA0} = doa;
assign {DOB17, DOB16, DOB15, DOB14, DOB13, DOB12, DOB11, DOB10, DOB9, DOB8, DOB7, DOB6, DOB5, DOB4, DOB3, DOB2, DOB1, DOB0} = dob;

endmodule

`default_nettype wire
