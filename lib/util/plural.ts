/** `n` and the noun, plural unless n is 1: "1 epoch", "3 epochs". */
export const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;
