// Building the DOM: `h` for HTML elements, `s` for SVG ones. Everything shown
// goes in as text (`text:` or a string child), never as HTML, so span data
// cannot inject markup.

const SVG = 'http://www.w3.org/2000/svg';

type Style = Partial<CSSStyleDeclaration>;

/** Attributes; `on…` are listeners, `text` the text content, `style` an object; undefined, null and false leave an attribute out. */
export interface Attrs {
  class?: string | null;
  text?: string;
  style?: Style;
  onclick?: (e: MouseEvent) => void;
  onchange?: (e: Event) => void;
  onsubmit?: (e: SubmitEvent) => void;
  [attr: string]: string | number | boolean | null | undefined | Style | ((e: never) => void);
}

/** Children: nodes, text, nested arrays (flattened); null, undefined and false are left out. */
export type Child = Node | string | number | null | undefined | false | Child[];

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs?: Attrs, ...children: Child[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el: HTMLElement | SVGElement, attrs: Attrs = {}): void {
  for (const k in attrs) {
    const v = attrs[k];
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.setAttribute('class', String(v));
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v as EventListener);
    else if (k === 'text') el.textContent = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

/** Replaces el's children. */
export function put(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
}

/** The first element matching `sel`, or null. */
export function $<E extends Element = HTMLElement>(sel: string, root: ParentNode = document): E | null {
  return root.querySelector<E>(sel);
}

/** The first element matching `sel`: one the page always has (the shell's, or the current view's). */
export function must<E extends Element = HTMLElement>(sel: string): E {
  const el = document.querySelector<E>(sel);
  if (!el) throw new Error(`the page has no ${sel}`);
  return el;
}

/** The message of a caught error. */
export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
