// Route-lookup designs committed under rtl/ (filled in by the CAM generators).
import type { Module } from '../ir/module.ts';

export function camDesigns(): Module[] {
  return [];
}
