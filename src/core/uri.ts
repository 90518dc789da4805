/** Whether a path-or-URI text starts with a URI scheme and `//` (`s3://b/k`, `gs://…`, `http://…`), as opposed to a file path. */
export function hasUriScheme(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
}
