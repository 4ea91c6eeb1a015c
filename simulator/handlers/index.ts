/** The protocol handlers, one per protocol family; the server asks each in turn. */
import { clientKey } from "./client-key.ts";
import type { ProtocolHandler } from "./context.ts";
import { deathByCaptcha } from "./deathbycaptcha.ts";
import { legacy } from "./legacy.ts";
import { nopecha } from "./nopecha.ts";

export const HANDLERS: readonly ProtocolHandler[] = [legacy, clientKey, nopecha, deathByCaptcha];
export type { Handled, ProtocolContext, SimRequest } from "./context.ts";
