export const handler = async (event) => ({ ok: true, n: event.n ?? null });
