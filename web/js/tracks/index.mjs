// tracks/index.mjs: the lane kinds, by name. Each owns its lane's height, its drawing from a
// window's events and from summaries, its hit test and its tooltip (as Perfetto's tracks
// do); render.mjs, hit.mjs and details.mjs only dispatch to them.

import { loop } from './loop.mjs';
import { timers } from './timers.mjs';
import { task } from './task.mjs';
import { worker } from './worker.mjs';

export const TRACKS = { loop, timers, task, worker };

export const trackOf = (lane) => TRACKS[lane.kind];
