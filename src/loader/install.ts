// Installs the enabled integrations: starts those on built-ins and runtime
// channels, and watches the modules the others declare. When a declared
// module loads, its version picks the target (patch or channels); a version no
// target declares is still tried, with one warning naming it.

import { log } from '../log';
import { onTracingChannel } from './channel-creation';
import { appPackageVersion, packageVersion, packagesLoaded, watchModules } from './module-load';
import type { Integration, LoadedModule, ModuleTarget } from './types';
import { isBelow, satisfies } from './versions';

interface Watched {
  integration: Integration;
  /** In the order declared: oldest versions first. */
  targets: ModuleTarget[];
}

const subscribed = new WeakSet<ModuleTarget>();

function moduleName(target: ModuleTarget): string {
  return target.file === undefined ? target.package : `${target.package}/${target.file}`;
}

function pickTarget(watched: Watched, module: LoadedModule): ModuleTarget {
  const { targets } = watched;
  const fits = targets.find((t) => satisfies(module.version, t.versions));
  if (fits !== undefined) return fits;
  const chosen = targets.every((t) => isBelow(module.version, t.versions)) ? targets[0] : targets[targets.length - 1];
  const known = targets.map((t) => t.versions).join(' || ');
  log.once(
    'warn',
    `range:${module.name}@${module.version}`,
    `${targets[0].package} ${module.version || '(unknown version)'} is outside the versions tracing-agent knows for it (${known}); tracing it as ${chosen.versions}`,
  );
  return chosen;
}

function apply(watched: Watched, exports: unknown, module: LoadedModule): unknown {
  const target = pickTarget(watched, module);
  try {
    if (target.subscribe !== undefined && !subscribed.has(target)) {
      subscribed.add(target);
      watched.integration.code()[target.subscribe](module);
    }
    const replaced = target.patch === undefined ? undefined : watched.integration.code()[target.patch](exports, module);
    return replaced !== null && (typeof replaced === 'object' || typeof replaced === 'function') ? replaced : exports;
  } catch (err) {
    log.once('warn', `hook:${module.name}@${module.version}`, `could not hook ${module.name} ${module.version}: ${(err as Error).message}; left untouched`);
    return exports;
  }
}

/** Subscribes when the library creates its channels; a failure (inside the library's own call) only turns the integration off. */
function watchChannels(integration: Integration, { prefix, subscribe }: NonNullable<Integration['channels']>): void {
  onTracingChannel(prefix, () => {
    try {
      integration.code()[subscribe]();
    } catch (err) {
      log.warn(`hook ${integration.name} could not subscribe to the ${prefix}* channels: ${(err as Error).message}; it is off`);
    }
  });
}

/** Installs the integrations named in `enabled`; returns the names installed. `onFirstLoad` is called as the first declared module loads. */
export function installIntegrations(integrations: readonly Integration[], enabled: readonly string[], onFirstLoad?: () => void): string[] {
  const installed: string[] = [];
  const watched = new Map<string, Watched[]>();
  const commonJs = new Set<string>();
  const esTargets: ModuleTarget[] = [];
  for (const integration of integrations) {
    if (!integration.internal && !enabled.includes(integration.name)) continue;
    try {
      if (integration.start !== undefined) integration.code()[integration.start]();
      if (integration.channels !== undefined) watchChannels(integration, integration.channels);
    } catch (err) {
      log.warn(`hook ${integration.name} could not start: ${(err as Error).message}; it is off`);
      continue;
    }
    for (const target of integration.targets ?? []) {
      const name = moduleName(target);
      const list = watched.get(name) ?? [];
      let entry = list.find((w) => w.integration === integration);
      if (entry === undefined) list.push((entry = { integration, targets: [] }));
      entry.targets.push(target);
      watched.set(name, list);
      if (target.esModule) esTargets.push(target);
      else commonJs.add(name);
    }
    if (!integration.internal) installed.push(integration.name);
  }
  if (watched.size === 0) return installed;

  const early = packagesLoaded();
  for (const integration of integrations) {
    if (integration.internal || early.size === 0 || !installed.includes(integration.name)) continue;
    const name = integration.targets?.find((t) => early.has(t.package))?.package;
    if (name !== undefined) {
      log.warn(
        `${name} was loaded before tracing-agent started, so its calls may go untraced: start the agent first (node --import tracing-agent/register app.js, or call start() before requiring ${name}).`,
      );
    }
  }

  // import-in-the-middle's hooks cost startup and see every import: they are
  // asked for only when a version an ES-module target declares is installed for this app.
  const appVersions = new Map<string, string>();
  const appHas = (t: ModuleTarget) => {
    if (!appVersions.has(t.package)) appVersions.set(t.package, appPackageVersion(t.package));
    const version = appVersions.get(t.package) as string;
    return version !== '' && satisfies(version, t.versions);
  };
  const esModules = new Set(esTargets.filter(appHas).map(moduleName));
  watchModules([...commonJs], [...esModules], (exports, name, baseDir) => {
    if (onFirstLoad !== undefined) {
      const call = onFirstLoad;
      onFirstLoad = undefined;
      call();
    }
    const module: LoadedModule = { name, version: packageVersion(baseDir), baseDir };
    let result = exports;
    for (const w of watched.get(name) ?? []) result = apply(w, result, module);
    return result;
  });
  return installed;
}
