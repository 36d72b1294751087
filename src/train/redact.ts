// What a run folder may keep of a command line: everything but secrets. A URL's user part
// (`redis://:password@host`, `rediss://user:pw@host`, `s3://key:secret@bucket`) and query
// parameters that carry credentials (`?token=...`, `X-Amz-Signature=...`) are replaced by `***`
// wherever they appear in an argument (`--queue=redis://...` and `--set x=s3://...` included).

/** `scheme://` then everything up to the last `@` before the path: a password may hold `?`, `#`
 *  or `@` unencoded (a `/` in it makes no valid URL, which pipe refuses anyway). */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s]*@/gi;

/** Query parameters whose name says they hold a secret (presigned URLs, tokens, passwords). */
const SECRET_PARAM = /([?&][^=&#\s]*(?:password|passwd|pwd|secret|token|signature|credential|access[_-]?key|api[_-]?key|auth)[^=&#\s]*=)[^&#\s]*/gi;

export function redactSecrets(arg: string): string {
  return arg.replace(USERINFO, '$1***@').replace(SECRET_PARAM, '$1***');
}

export function redactArgv(argv: readonly string[]): string[] {
  return argv.map(redactSecrets);
}
