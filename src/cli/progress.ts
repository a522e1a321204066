// Progress on stderr while discovery and probes run: only on a terminal, one line rewritten in place
// that never wraps (a wrapped line cannot be rewritten: each redraw would leave a row behind).
export interface Progress {
  update(message: string): void;
  done(): void;
}

/** The message cut to fit `columns` after the spinner ("⠋ "), with an ellipsis when cut. */
export function fitLine(message: string, columns: number): string {
  const room = Math.max(1, columns - 3); // the spinner, its space, and the last column left free
  const chars = [...message.replace(/\s+/g, ' ')];
  return chars.length <= room ? chars.join('') : `${chars.slice(0, room - 1).join('')}…`;
}

export function makeProgress(stream: NodeJS.WriteStream = process.stderr, colour = true): Progress {
  if (!stream.isTTY) return { update() {}, done() {} };
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let i = 0;
  let message = '';
  let shown = false;
  const draw = () => {
    const frame = frames[i++ % frames.length];
    // Read the width at every redraw: the terminal may have been resized.
    const line = fitLine(message, stream.columns || 80);
    stream.write(`\r\x1b[K${colour ? `\x1b[36m${frame}\x1b[0m` : frame} ${line}`);
    shown = true;
  };
  const timer = setInterval(draw, 120);
  timer.unref();
  return {
    update(m) {
      message = m;
      draw();
    },
    done() {
      clearInterval(timer);
      if (shown) stream.write('\r\x1b[K');
    },
  };
}
