// MULT18X18D: behavioural model of the Lattice ECP5 18 x 18 multiplier, for simulation and
// lint (in Verilator) only. Synthesis never reads this file: yosys takes the cell from its
// ECP5 library (cells_bb.v) and nextpnr places a real sysDSP multiplier. Written for this
// project from the ECP5 sysDSP usage guide's description of the multiplier; it models the
// mode rtl-gen/vendor/ecp5-mult.ts instantiates and nothing else:
//
//   every REG_* parameter "NONE" (a combinational multiplier: nextpnr times MULT18X18D only
//   as a combinational A/B -> P path, so registers inside the block would be timed as if
//   absent; the generators register around it in fabric instead);
//   SOURCEA = SOURCEB = 0 (the operands come from the A and B pins, not the shift chain);
//   P = A x B, each operand signed when its SIGNED pin is 1, else unsigned, the 36-bit
//   product on P35..P0.
//
// Any other setting stops the simulation, so a design cannot rely on an unmodelled mode.

`timescale 1ns / 1ps
`default_nettype none

module MULT18X18D #(
    parameter [31:0] REG_INPUTA_CLK = "NONE",
    parameter [31:0] REG_INPUTB_CLK = "NONE",
    parameter [31:0] REG_INPUTC_CLK = "NONE",
    parameter [31:0] REG_PIPELINE_CLK = "NONE",
    parameter [31:0] REG_OUTPUT_CLK = "NONE",
    parameter [63:0] MULT_BYPASS = "DISABLED"
) (
    input  wire A0, A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12, A13, A14, A15, A16, A17,
    input  wire B0, B1, B2, B3, B4, B5, B6, B7, B8, B9, B10, B11, B12, B13, B14, B15, B16, B17,
    input  wire SIGNEDA, SIGNEDB, SOURCEA, SOURCEB,
    output wire P0, P1, P2, P3, P4, P5, P6, P7, P8, P9, P10, P11, P12, P13, P14, P15, P16, P17,
    output wire P18, P19, P20, P21, P22, P23, P24, P25, P26, P27, P28, P29, P30, P31, P32, P33, P34, P35
);

localparam [31:0] NONE = "NONE";
localparam [63:0] DISABLED = "DISABLED";

initial begin
    if (REG_INPUTA_CLK != NONE || REG_INPUTB_CLK != NONE || REG_INPUTC_CLK != NONE ||
        REG_PIPELINE_CLK != NONE || REG_OUTPUT_CLK != NONE || MULT_BYPASS != DISABLED) begin
        $display("MULT18X18D model: only the combinational multiplier (every REG_* \"NONE\", MULT_BYPASS \"DISABLED\") is modelled");
        $finish;
    end
end

wire [17:0] a = {A17, A16, A15, A14, A13, A12, A11, A10, A9, A8, A7, A6, A5, A4, A3, A2, A1, A0};
wire [17:0] b = {B17, B16, B15, B14, B13, B12, B11, B10, B9, B8, B7, B6, B5, B4, B3, B2, B1, B0};
// Each operand widened to 36 bits by its sign bit (signed) or zeros (unsigned); the 36-bit
// product of the widened operands is the product either way.
wire [35:0] a36 = {{18{SIGNEDA & a[17]}}, a};
wire [35:0] b36 = {{18{SIGNEDB & b[17]}}, b};
wire [35:0] p = a36 * b36;

// The shift-chain source pins serve only modes this model refuses (Verilator's lint skips
// names containing "unused").
wire unused_source_pins = SOURCEA | SOURCEB;

assign {P35, P34, P33, P32, P31, P30, P29, P28, P27, P26, P25, P24, P23, P22, P21, P20, P19, P18,
        P17, P16, P15, P14, P13, P12, P11, P10, P9, P8, P7, P6, P5, P4, P3, P2, P1, P0} = p;

endmodule

`default_nettype wire
