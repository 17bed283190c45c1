// palette.mjs: the colours of the timeline, from the Okabe–Ito palette (distinguishable with
// the common colour-vision deficiencies). Colour is never the only cue: running slices are
// full height, scheduled ones hatched, waiting ones half height and labelled with their reason.

export const OKABE_ITO = {
  orange: '#E69F00', sky: '#56B4E9', green: '#009E73', yellow: '#F0E442',
  blue: '#0072B2', vermillion: '#D55E00', purple: '#CC79A7', black: '#000000',
};

export const COLORS = {
  running: OKABE_ITO.blue,
  ready: OKABE_ITO.orange,
  loopBusy: '#3a3a3a',
  loopIdle: '#e4e4e4',
  timer: OKABE_ITO.sky,
  late: OKABE_ITO.vermillion,
  arrow: '#333333',
  mark: OKABE_ITO.black,
  job: OKABE_ITO.yellow,
  grid: '#ececec',
  text: '#1a1a1a',
  muted: '#666666',
  cursor: OKABE_ITO.vermillion,
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
    ...Object.entries(FAMILY_LABEL).map(([k, label]) => ({ key: k, label, color: FAMILY_COLOR[k], style: 'half' })),
    { key: 'loop', label: 'loop running callbacks', color: COLORS.loopBusy, style: 'solid' },
    { key: 'idle', label: 'loop polling (idle)', color: COLORS.loopIdle, style: 'solid' },
  ];
}
