/** The provider simulator: see docs/simulator.md. */
export { startSimulator, isLoopbackHost } from "./server.ts";
export type { SimAccountConfig, SimCounts, SimState, Simulator, SimulatorOptions, ProtocolCounts } from "./server.ts";
export type { Fault, FaultKind, FaultScope } from "./faults.ts";
export { FAULT_KINDS, KNOWN_ERROR_CODES, parseFault } from "./faults.ts";
export type { Flavour, Protocol } from "./protocol.ts";
export { FLAVOURS, isFlavour } from "./protocol.ts";
export type { ScenarioName, SpendComponent, SpendProcess, SpendState } from "./spend.ts";
export { SCENARIO_NAMES, isScenarioName, scenario } from "./spend.ts";
export { DEMO_KEY } from "./demo.ts";
