// Test firmware: loops forever without touching hardware (virtual time never advances).
import "../../firmware/runtime/abort";

let counter: u32 = 0;
export function main(): void {
  while (true) {
    counter++;
    store<u32>(1024, counter);
  }
}
