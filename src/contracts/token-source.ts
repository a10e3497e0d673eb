/**
 * TokenSource: where OAuth2 access tokens come from (RFC 7628 / XOAUTH2), for the IMAP and ManageSieve
 * clients. Implemented by config/oauth-token.ts (`--oauth-token-command`, `--oauth-token-file`, env);
 * the uploader only calls it, so it never reads configuration itself.
 */
export interface TokenSource {
	/** The current token (fetched on first use). */
	current(): Promise<string>;
	/** Fetches a new token after the server refused the old one; false when this source cannot refresh. */
	refresh(): Promise<boolean>;
	/** For messages: where tokens come from (never the token). */
	readonly description: string;
}
