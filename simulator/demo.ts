/**
 * The fixed demo key of the simulator: 32 characters (valid for the legacy protocol), documented and
 * deliberately not a secret. Use it to point the CLI or the exporter at `captcha-runway simulate`.
 */
export const DEMO_KEY = "demo-key-not-a-secret-0000000000";
