// Service colours: a fixed palette, assigned by a hash of the name with probing
// so that the services in view rarely share a colour, and one service keeps its
// colour everywhere on the page. No reds: red means error.

const PALETTE = ['#4e79d9', '#c2569b', '#e8833a', '#9b59b6', '#d9a521', '#2e9ccf', '#6aa84f', '#8e6c5a', '#5c6bc0', '#8a9a2b', '#17a589', '#5a7d9a'];
const colours = new Map<string, string>();

export function colour(service: string): string {
  const known = colours.get(service);
  if (known) return known;
  let hsh = 0;
  for (let i = 0; i < service.length; i++) hsh = (hsh * 31 + service.charCodeAt(i)) >>> 0;
  const used = new Set(colours.values());
  let c = ''; // when every colour is taken: the last one probed
  for (let i = 0; i < PALETTE.length; i++) {
    c = PALETTE[(hsh + i) % PALETTE.length];
    if (!used.has(c)) break;
  }
  colours.set(service, c);
  return c;
}
