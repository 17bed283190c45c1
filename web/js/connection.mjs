// connection.mjs: whether the collector answers: a banner over the page while its websocket
// is down or its reads fail for want of a connection, gone once it is back.

import { fmtClock } from './format.mjs';

export class ConnectionBanner {
  constructor(el) {
    this.el = el;
    this.down = false;
    this.since = null;
  }

  // The collector stopped answering (why: what failed).
  lost(why) {
    if (!this.down) this.since = new Date();
    this.down = true;
    const at = fmtClock(this.since);
    this.el.textContent = `Cannot reach the collector since ${at} (${why}): `
      + 'is `looptrace serve` still running? Retrying…';
    this.el.hidden = false;
  }

  back() {
    this.down = false;
    this.el.hidden = true;
  }
}
