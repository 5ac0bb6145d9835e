import { connect } from 'node:net';

export interface RawAnswer {
  status: number;
  /** The status line and headers, as sent. */
  head: string;
  /** The body, de-chunked, as UTF-8. */
  body: string;
}

/**
 * Sends bytes as they are over a socket, with nothing on the client side to clean the request up, and
 * reads the answer until the server closes: the request should say `connection: close`. 'closed' when
 * the server closed without answering.
 */
export function rawRequest(url: string, bytes: string | Buffer): Promise<RawAnswer | 'closed'> {
  const { port, hostname } = new URL(url);
  return new Promise((resolve, reject) => {
    // write, not end: a half-closed socket can make the server drop the answer.
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? undefined : reject(e)));
    socket.on('close', () => {
      const answer = Buffer.concat(chunks).toString('latin1');
      if (!answer) return resolve('closed');
      const end = answer.indexOf('\r\n\r\n');
      const head = answer.slice(0, end);
      let body = answer.slice(end + 4);
      if (/\r\ntransfer-encoding: chunked/i.test(head)) {
        let out = '';
        for (let rest = body; ; ) {
          const lineEnd = rest.indexOf('\r\n');
          const size = parseInt(rest.slice(0, lineEnd), 16);
          if (!size) break;
          out += rest.slice(lineEnd + 2, lineEnd + 2 + size);
          rest = rest.slice(lineEnd + 4 + size);
        }
        body = out;
      }
      resolve({ status: Number(answer.slice(9, 12)), head, body: Buffer.from(body, 'latin1').toString('utf8') });
    });
  });
}
