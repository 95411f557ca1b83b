"""What the tests and the benchmarks share to drive the app from outside.

- `server`: start `streamlit run app.py` (or another script) on a free loopback port, stop it,
  read its memory and CPU;
- `browser`: Debian's Chromium through Playwright, the app's selectors, waiting until a page
  is idle, drawing on the canvas with the mouse, and probes the page stamps itself with;
- `drawing`: hand-made digit strokes and the payload the canvas component sends;
- `ws_session`: a browserless student speaking Streamlit's websocket protocol;
- `hostile_models`: the `.keras` files a mischievous student would upload (zip bombs and the like).

Tests and benchmarks import this package; it imports neither, and `mnist_demo` never imports it.
"""
