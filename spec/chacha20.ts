// ChaCha20's fixed numbers (RFC 8439 section 2): the constant words and which state words
// each quarter round of a double round takes. The hardware generators and the golden model
// both read them here, so neither can drift from the other.

/** "expand 32-byte k" as four little-endian words (RFC 8439 2.3). */
export const CHACHA_CONSTANTS = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574] as const;

/** Index quadruples of one double round: four column rounds, then four diagonal rounds. */
export const COLUMN_ROUND = [[0, 4, 8, 12], [1, 5, 9, 13], [2, 6, 10, 14], [3, 7, 11, 15]] as const;
export const DIAGONAL_ROUND = [[0, 5, 10, 15], [1, 6, 11, 12], [2, 7, 8, 13], [3, 4, 9, 14]] as const;
