// The privacy grid, as shared/privacy.coarsen snaps to it: round(value / 0.1), half to even as
// Python's round(), times 0.1, to 6 decimals. The editor places milestones exactly where donors
// will see them. (No imports: tests/unit/test_principal_and_grid.py runs this under Node.)
export const GRID_DEGREES = 0.1;

function roundHalfEven(x) {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

export function coarsen(value, grid = GRID_DEGREES) {
  const steps = roundHalfEven(value / grid);
  return Number((steps * grid).toFixed(6));
}
