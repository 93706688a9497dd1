// CCU2C: behavioural model of the Lattice ECP5 two-bit carry cell, for simulation and lint
// (in Verilator) only. Synthesis never reads this file: yosys takes the cell from its ECP5
// library and nextpnr places the real slice. Written for this project from the ECP5 family
// data sheet's description of the slice carry logic; it models the mode
// rtl-gen/vendor/ecp5.ts instantiates, INJECT1_0 = INJECT1_1 = "NO":
//
//   for each half i (0 then 1, the carry rippling from CIN through half 0 to half 1):
//     p_i   = INIT_i[{D_i, C_i, B_i, A_i}]     (the half's LUT4: the propagate signal)
//     g_i   = INIT_i[{1'b0, 1'b0, B_i, A_i}]   (the same table at C = D = 0: the generate)
//     S_i   = p_i ^ carry_in_i
//     carry_out_i = p_i ? carry_in_i : g_i
//
// So a LUT4 in front of every bit of a carry chain computes any function of four inputs
// as the propagate, while the generate (needed only when the propagate is 0) comes from
// inputs A and B.

`timescale 1ns / 1ps
`default_nettype none

module CCU2C #(
    parameter [15:0] INIT0 = 16'h0000,
    parameter [15:0] INIT1 = 16'h0000,
    parameter [23:0] INJECT1_0 = "NO",
    parameter [23:0] INJECT1_1 = "NO"
) (
    input  wire CIN,
    input  wire A0, B0, C0, D0,
    input  wire A1, B1, C1, D1,
    output wire S0, S1, COUT
);

localparam [23:0] NO = "NO";

initial begin
    if (INJECT1_0 != NO || INJECT1_1 != NO) begin
        $display("CCU2C model: only INJECT1_0 = INJECT1_1 = \"NO\" is modelled");
        $finish;
    end
end

wire p0 = INIT0[{D0, C0, B0, A0}];
wire g0 = INIT0[{2'b00, B0, A0}];
wire p1 = INIT1[{D1, C1, B1, A1}];
wire g1 = INIT1[{2'b00, B1, A1}];
wire carry0 = p0 ? CIN : g0;

assign S0 = p0 ^ CIN;
assign S1 = p1 ^ carry0;
assign COUT = p1 ? carry0 : g1;

endmodule

`default_nettype wire
