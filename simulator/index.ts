/** The provider simulator: see docs/simulator.md. */
export { startSimulator } from "./server.ts";
export { isLoopbackHost } from "./options.ts";
export type { SimAccountConfig, SimulatorOptions } from "./options.ts";
export type { SimState, Simulator } from "./handle.ts";
export type { ProtocolCounts, SimCounts } from "./counts.ts";
export type { Fault, FaultKind, FaultScope } from "./faults.ts";
export { FAULT_KINDS, KNOWN_ERROR_CODES, parseFault } from "./faults.ts";
export type { Flavour, Protocol } from "./protocol.ts";
export { FLAVOURS, isFlavour } from "./protocol.ts";
export type { ScenarioName, SpendComponent, SpendProcess, SpendState } from "./spend.ts";
export { SCENARIO_NAMES, isScenarioName, scenario } from "./spend.ts";
export { DEMO_KEY } from "./demo.ts";
