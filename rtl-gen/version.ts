// Version of the generator framework; each generator carries its own version too.
export const RTL_GEN_VERSION = '0.1.0';
