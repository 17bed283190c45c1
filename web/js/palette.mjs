// palette.mjs: the colours of the timeline, from the Okabe–Ito palette (distinguishable with
// the common colour-vision deficiencies) and, where it runs out, Paul Tol's (wine, indigo):
// each colour means one thing. Colour is never the only cue: running slices are full height,
// scheduled ones hatched, waiting ones half height and labelled with their reason. Text on a
// colour takes the more contrasting of white and near-black (WCAG contrast, textOn()).

export const OKABE_ITO = {
  orange: '#E69F00', sky: '#56B4E9', green: '#009E73', yellow: '#F0E442',
  blue: '#0072B2', vermillion: '#D55E00', purple: '#CC79A7', black: '#000000',
};

// Paul Tol's muted scheme: the two colours that mean what Okabe–Ito's cannot also mean.
export const TOL = { wine: '#882255', indigo: '#332288' };

export const COLORS = {
  running: OKABE_ITO.blue,
  ready: OKABE_ITO.orange,
  loopBusy: '#3a3a3a',
  loopIdle: '#e4e4e4',
  timer: OKABE_ITO.sky,
  late: TOL.wine,                 // a timer's lateness (vermillion is I/O wait)
  arrow: '#333333',
  arrowBold: '#000000',
  mark: OKABE_ITO.black,
  job: OKABE_ITO.yellow,
  grid: '#ececec',
  text: '#1a1a1a',
  muted: '#666666',
  cursor: TOL.indigo,
  selection: 'rgba(0, 114, 178, 0.10)',
};

// Waiting reasons by what they wait for (docs/wire-format.md), one colour per family.
const FAMILY = {
  sleep: 'timer', yield: 'ready',
  future: 'await', task: 'await', gather: 'await',
  io: 'io', stream: 'io', process: 'io',
  lock: 'sync', event: 'sync', semaphore: 'sync', queue: 'sync',
  condition: 'sync', barrier: 'sync',
  executor: 'thread',
};

const FAMILY_COLOR = {
  timer: OKABE_ITO.sky, await: OKABE_ITO.green, io: OKABE_ITO.vermillion,
  sync: OKABE_ITO.purple, thread: OKABE_ITO.yellow, ready: OKABE_ITO.orange,
};

export const FAMILY_LABEL = {
  timer: 'sleeping on a timer', await: 'awaiting a task or future',
  io: 'waiting for I/O (fd, stream, process)',
  sync: 'lock / event / semaphore / queue / condition / barrier',
  thread: 'waiting for a worker thread',
};

export function reasonFamily(reason) { return FAMILY[reason] ?? 'await'; }
export function reasonColor(reason) { return FAMILY_COLOR[reasonFamily(reason)]; }

// The legend, in the order the header shows it.
export function legend() {
  return [
    { key: 'running', label: 'running', color: COLORS.running, style: 'solid' },
    { key: 'ready', label: 'scheduled (ready)', color: COLORS.ready, style: 'hatch' },
    ...Object.entries(FAMILY_LABEL).map(([k, label]) =>
      ({ key: k, label, color: FAMILY_COLOR[k], style: 'half' })),
    { key: 'loop', label: 'loop running callbacks', color: COLORS.loopBusy, style: 'solid' },
    { key: 'idle', label: 'loop polling (idle)', color: COLORS.loopIdle, style: 'solid' },
    { key: 'timer', label: 'timer armed → due', color: COLORS.timer, style: 'thin' },
    { key: 'late', label: 'timer late (due → fired)', color: COLORS.late, style: 'thin' },
    { key: 'job', label: 'worker job', color: COLORS.job, style: 'solid' },
    { key: 'cursor', label: 'cursor', color: COLORS.cursor, style: 'bar' },
  ];
}

// WCAG 2 relative luminance of '#rrggbb'.
export function luminance(hex) {
  const v = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
    .map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
}

// WCAG 2 contrast ratio of two '#rrggbb' colours (1 to 21).
export function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

// The text colour for a background: white or the text colour, whichever contrasts more.
export function textOn(bg) {
  return contrast('#ffffff', bg) >= contrast(COLORS.text, bg) ? '#ffffff' : COLORS.text;
}
