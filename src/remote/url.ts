// A remote's URL, read once at startup: `file:///path` (a folder, e.g. a shared mount) or
// `s3://bucket/prefix` (S3 or an S3-compatible server). Anything else is bad input naming where the
// URL came from (`--remote`, `PIPE_REMOTE`), so a typo never trains for hours before the first push
// fails. Credentials never appear in a URL: they come from the AWS SDK's own chain.
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inputError } from '../errors.js';

export type RemoteSpec =
  | {
      readonly kind: 'file';
      /** The URL as messages show it. */
      readonly url: string;
      /** The remote's folder, absolute. */
      readonly dir: string;
    }
  | {
      readonly kind: 's3';
      readonly url: string;
      readonly bucket: string;
      /** Object names start with it ('' or ending in '/'). */
      readonly prefix: string;
      /** An S3-compatible server's address (path-style requests); null: AWS's own endpoints. */
      readonly endpoint: string | null;
      /** null: the SDK's chain (AWS_REGION, ~/.aws/config), else us-east-1 with an endpoint. */
      readonly region: string | null;
    };

const USAGE = 'a remote is file:///path/to/folder or s3://bucket/prefix';
const S3_QUERY = ['endpoint', 'region'];

/**
 * The remote named by `text`; `source` says where it came from (`--remote`, `PIPE_REMOTE`) and
 * starts every message. `env` gives PIPE_S3_ENDPOINT (a URL's own `?endpoint=` wins over it).
 */
export function parseRemoteUrl(text: string, source: string, env: NodeJS.ProcessEnv = {}): RemoteSpec {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw inputError(`${source}: '${text}' is not a URL`, { hint: USAGE });
  }
  // Never echo a password back: the message shows the URL without its user part.
  const shown = url.username || url.password ? `${url.protocol}//${url.host}${url.pathname}` : text;
  if (url.username || url.password) throw inputError(`${source}: ${shown} has credentials in it, which pipe does not take from a URL`, { hint: "the AWS SDK's chain provides them: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE and ~/.aws, or an instance role" });
  switch (url.protocol) {
    case 'file:':
      return fileRemote(url, shown, source);
    case 's3:':
      return s3Remote(url, shown, source, env);
    default:
      throw inputError(`${source}: '${shown}' has the unknown scheme '${url.protocol.replace(/:$/, '')}'`, { hint: USAGE });
  }
}

function fileRemote(url: URL, shown: string, source: string): RemoteSpec {
  if (url.host !== '' && url.host !== 'localhost') throw inputError(`${source}: '${shown}' names the host '${url.host}'; a file remote is a folder on this machine`, { hint: 'an absolute path takes three slashes: file:///mnt/shared/pipe' });
  if (url.search || url.hash) throw inputError(`${source}: '${shown}': a file remote takes no query or fragment`);
  const dir = fileURLToPath(url).replace(/\/+$/, '') || '/';
  const st = statSync(dir, { throwIfNoEntry: false });
  if (!st) throw inputError(`${source}: the folder ${dir} does not exist`, { hint: 'make it first: pipe does not create a remote, so that a typo is not taken for a new one' });
  if (!st.isDirectory()) throw inputError(`${source}: ${dir} is not a folder`);
  return { kind: 'file', url: `file://${dir}`, dir };
}

function s3Remote(url: URL, shown: string, source: string, env: NodeJS.ProcessEnv): RemoteSpec {
  const bucket = url.hostname;
  if (bucket === '') throw inputError(`${source}: '${shown}' names no bucket`, { hint: 's3://bucket/prefix' });
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw inputError(`${source}: '${bucket}' is not an S3 bucket name`, { hint: '3 to 63 lowercase letters, digits, dots and hyphens' });
  if (url.port) throw inputError(`${source}: '${shown}': an s3 URL names a bucket, not a server`, { hint: 'give the server as ?endpoint=http://host:port or PIPE_S3_ENDPOINT' });
  const unknown = [...url.searchParams.keys()].filter((k) => !S3_QUERY.includes(k));
  if (unknown.length) throw inputError(`${source}: unknown query parameter '${unknown[0]}' in '${shown}'`, { hint: `known: ${S3_QUERY.join(', ')}` });
  const segments = decodeURIComponent(url.pathname).split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '.' || s === '..')) throw inputError(`${source}: the prefix of '${shown}' has '.' or '..' in it`);
  const query = url.searchParams.get('endpoint');
  const endpoint = query ?? env.PIPE_S3_ENDPOINT ?? null;
  if (endpoint !== null) {
    const where = query !== null ? `${source}: ?endpoint=` : 'PIPE_S3_ENDPOINT:';
    let parsed: URL | null = null;
    try {
      parsed = new URL(endpoint);
    } catch {
      // refused below
    }
    if (parsed === null || !/^https?:$/.test(parsed.protocol) || parsed.username || parsed.password) {
      throw inputError(`${where} '${parsed?.username || parsed?.password ? '(a URL with credentials)' : endpoint}' is not an http(s) address`, { hint: 'e.g. http://127.0.0.1:9000' });
    }
  }
  const prefix = segments.length ? `${segments.join('/')}/` : '';
  return { kind: 's3', url: `s3://${bucket}/${prefix}`, bucket, prefix, endpoint, region: url.searchParams.get('region') };
}
