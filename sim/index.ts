// The simulation harness in one import.
export { simulate, type SimDut, type SimulateOptions, WAVE_DIR } from './simulate.ts';
export { Dut, Signal, SimError, type Value, type PortInfo } from './dut.ts';
export { risingEdge, fallingEdge, clockCycles, start, cycleOf } from './triggers.ts';
export { Task } from './scheduler.ts';
export { StreamSource, StreamSink, type Beat } from './stream.ts';
export { Scoreboard, ScoreboardMismatch } from './scoreboard.ts';
export { runCycles, runStreams, packBeats, unpackBeats, beatWords } from './batch.ts';
export { Rng } from './random.ts';
export { SimBuildError, buildModel } from './build.ts';
