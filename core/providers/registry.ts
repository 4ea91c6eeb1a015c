/**
 * Provider names → implementations (as blackbox_exporter maps module names to probers).
 * Poll intervals respect each provider's limits: Anti-Captcha asks for at most one balance call per
 * 30 s; 2Captcha/RuCaptcha count balance calls against the res.php quota (about 20 per uploaded CAPTCHA
 * plus 1,200 a day), so their default of 5 min (288 calls a day) leaves most of it to the solver.
 */
import { clientKeyProvider } from "./client-key.ts";
import { legacyProvider } from "./legacy.ts";
import { PROVIDER_NAMES, type Provider, type ProviderName } from "./types.ts";

const SECOND = 1000;
const MINUTE = 60 * SECOND;

const PROVIDERS: Readonly<Record<ProviderName, Provider>> = {
  captchaai: legacyProvider({
    name: "captchaai",
    defaultBaseUrl: "https://ocr.captchaai.com",
    defaultCurrency: "USD",
    minPollIntervalMs: 30 * SECOND,
    defaultPollIntervalMs: 1 * MINUTE,
    banCooldownMs: 5 * MINUTE, // IP_BANNED is lifted after 5 minutes
  }),
  "2captcha": legacyProvider({
    name: "2captcha",
    defaultBaseUrl: "https://2captcha.com",
    defaultCurrency: "USD",
    minPollIntervalMs: 2 * MINUTE, // 720 calls a day at most: under the 1,200 free res.php requests
    defaultPollIntervalMs: 5 * MINUTE,
    banCooldownMs: 10 * MINUTE,
  }),
  rucaptcha: legacyProvider({
    name: "rucaptcha",
    defaultBaseUrl: "https://rucaptcha.com",
    defaultCurrency: "RUB", // reports the account's own currency; override per account
    minPollIntervalMs: 2 * MINUTE,
    defaultPollIntervalMs: 5 * MINUTE,
    banCooldownMs: 10 * MINUTE,
  }),
  "anti-captcha": clientKeyProvider({
    name: "anti-captcha",
    defaultBaseUrl: "https://api.anti-captcha.com",
    defaultCurrency: "USD",
    minPollIntervalMs: 30 * SECOND, // "don't call more than once every 30 seconds"
    defaultPollIntervalMs: 1 * MINUTE,
    banCooldownMs: 10 * MINUTE,
  }),
  capsolver: clientKeyProvider({
    name: "capsolver",
    defaultBaseUrl: "https://api.capsolver.com",
    defaultCurrency: "USD",
    minPollIntervalMs: 30 * SECOND,
    defaultPollIntervalMs: 1 * MINUTE,
    banCooldownMs: 10 * MINUTE,
  }),
  capmonster: clientKeyProvider({
    name: "capmonster",
    defaultBaseUrl: "https://api.capmonster.cloud",
    defaultCurrency: "USD",
    minPollIntervalMs: 30 * SECOND,
    defaultPollIntervalMs: 1 * MINUTE,
    banCooldownMs: 10 * MINUTE, // 10-minute bans for repeated bad keys
  }),
};

export function isProviderName(name: string): name is ProviderName {
  return (PROVIDER_NAMES as readonly string[]).includes(name);
}

export function getProvider(name: ProviderName): Provider {
  return PROVIDERS[name];
}

export { PROVIDER_NAMES };
