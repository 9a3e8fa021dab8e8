// The adapter for this checkout's engine. Its API is still that of 151444b, so the baseline
// adapter serves (compiled against this checkout). When the engine's API changes, replace this
// file with an adapter for it (see ../engine.ts); nothing else in bench/scale needs to change.
export { default } from './baseline';
