// Command-line flags of the project's scripts (`--name value` pairs), shared by render and policy.

/** Bad command-line usage: the script prints the message and exits with its usage status. */
export class UsageError extends Error {}

/** Parses `--<flag> <value>` pairs, allowing only `flags`; anything else fails with `bad argument …; <usage>`. */
export function parseFlags<F extends string>(argv: readonly string[], flags: readonly F[], usage: string): Partial<Record<F, string>> {
    const args: Partial<Record<F, string>> = {};
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i].replace(/^--/, "") as F;
        if (!flags.includes(flag) || argv[i + 1] === undefined) throw new UsageError(`bad argument ${argv[i]}; ${usage}`);
        args[flag] = argv[++i];
    }
    return args;
}
