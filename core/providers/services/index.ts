/**
 * The registry of built-in providers: one line per provider module (see docs/providers.md, "adding a
 * provider"). The order of the names is alphabetical by export name, and nothing depends on it.
 */
export { default as antiCaptcha } from "./anti-captcha.ts";
export { default as azcaptcha } from "./azcaptcha.ts";
export { default as captchaai } from "./captchaai.ts";
export { default as capmonster } from "./capmonster.ts";
export { default as capsolver } from "./capsolver.ts";
export { default as deathbycaptcha } from "./deathbycaptcha.ts";
export { default as ezcaptcha } from "./ezcaptcha.ts";
export { default as nopecha } from "./nopecha.ts";
export { default as rucaptcha } from "./rucaptcha.ts";
export { default as rucaptchaV2 } from "./rucaptcha-v2.ts";
export { default as twoCaptcha } from "./2captcha.ts";
export { default as twoCaptchaV2 } from "./2captcha-v2.ts";
