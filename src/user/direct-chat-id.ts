// The one direct chat of a pair: the same id whoever starts it.
import { sha256Hex } from "../accounts";

export async function directChatId(a: string, b: string): Promise<string> {
  return `d_${(await sha256Hex([a, b].sort().join(":"))).slice(0, 32)}`;
}
