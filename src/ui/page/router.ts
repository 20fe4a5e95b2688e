// One page, several views: the URL says which (see main.ts). Links marked
// `data-nav` and the page's own navigations change the URL without a reload.

let route: () => void = () => {};

export function navigate(url: string): void {
  history.pushState(null, '', url);
  route();
}

/** Calls `onRoute` on every navigation, back and forward included. */
export function startRouter(onRoute: () => void): void {
  route = onRoute;
  window.addEventListener('popstate', route);
  document.addEventListener('click', (e) => {
    const a = e.target instanceof Element ? e.target.closest('a[data-nav]') : null;
    const href = a && a.getAttribute('href');
    if (href !== null && !e.ctrlKey && !e.metaKey && !e.shiftKey && e.button === 0) {
      e.preventDefault();
      navigate(href);
    }
  });
}

/** Marks the header's link of the view on show ('search', 'deps'; none for a trace). */
export function setNav(which: string): void {
  for (const a of document.querySelectorAll<HTMLAnchorElement>('header.top nav a')) a.classList.toggle('active', a.dataset.view === which);
}

/** Remembers the last search's query, so that a trace's "← Search" returns to it. */
export function rememberLastSearch(): void {
  const origPush = history.pushState.bind(history);
  history.pushState = (data, unused, url) => {
    if (location.pathname.startsWith('/search') || location.pathname === '/') sessionStorage.setItem('lastSearch', location.search);
    origPush(data, unused, url);
  };
}

export const lastSearch = (): string => sessionStorage.getItem('lastSearch') || '';
