// A small design for bench/run-apps.sh: Yosys `synth_ice40` of it (a
// counter, a register fed by a 4-way mux, a small ALU) takes Node's WASI a
// few seconds, most of it in Yosys's passes and ABC rather than start-up.
module top (
    input  wire        clk,
    input  wire        rst,
    input  wire [1:0]  sel,
    input  wire [2:0]  op,
    input  wire [7:0]  a,
    input  wire [7:0]  b,
    output reg  [7:0]  q,
    output reg  [7:0]  alu,
    output wire [15:0] count
);
    reg [15:0] counter;
    always @(posedge clk)
        if (rst) counter <= 16'd0;
        else     counter <= counter + 16'd1;
    assign count = counter;

    always @(posedge clk)
        case (sel)
            2'd0:    q <= a;
            2'd1:    q <= b;
            2'd2:    q <= a ^ b;
            default: q <= counter[7:0];
        endcase

    always @(posedge clk)
        case (op)
            3'd0:    alu <= a + b;
            3'd1:    alu <= a - b;
            3'd2:    alu <= a & b;
            3'd3:    alu <= a | b;
            3'd4:    alu <= {a[6:0], a[7]};
            3'd5:    alu <= (a < b) ? a : b;
            3'd6:    alu <= a ^ counter[15:8];
            default: alu <= 8'd0;
        endcase
endmodule
