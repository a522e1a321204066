// Progress on stderr while discovery and probes run: only on a terminal, one line rewritten in place.
export interface Progress {
  update(message: string): void;
  done(): void;
}

export function makeProgress(stream: NodeJS.WriteStream = process.stderr, colour = true): Progress {
  if (!stream.isTTY) return { update() {}, done() {} };
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let i = 0;
  let message = '';
  let shown = false;
  const draw = () => {
    const frame = frames[i++ % frames.length];
    stream.write(`\r\x1b[K${colour ? `\x1b[36m${frame}\x1b[0m` : frame} ${message}`);
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
