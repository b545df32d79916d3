// The cipher alone: the store's index would load the database driver for one random key.
export { generateKey } from '../store/cipher.js'
