/**
 * Finding the serial port of a USB-TTL cable.
 *
 * `SerialPort.list()` needs `udevadm` (Debian's udev package) on Linux.
 * Without it, the same facts are read from sysfs: each /sys/class/tty/NAME
 * whose device sits under a USB interface gives idVendor, idProduct, serial,
 * manufacturer and product from the USB device directory above it.
 */
import { existsSync, readFileSync, readdirSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { SerialPort } from "serialport";

export interface PortInfo {
  path: string;
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
  manufacturer?: string;
  product?: string;
  /** The adapter family, when the vendor is one piwave knows. */
  adapter?: string;
}

/** USB-serial adapters people use with a Pi, by USB vendor ID. */
export const KNOWN_ADAPTERS: Record<string, string> = {
  "0403": "FTDI",
  "10c4": "Silicon Labs CP210x",
  "1a86": "WCH CH340",
  "067b": "Prolific PL2303",
  "2e8a": "Raspberry Pi Debug Probe",
};

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** Ports from sysfs (the fallback when udevadm is missing). `root` is /sys for real use. */
export function listFromSysfs(root = "/sys", dev = "/dev"): PortInfo[] {
  const base = join(root, "class", "tty");
  if (!existsSync(base)) return [];
  const out: PortInfo[] = [];
  for (const name of readdirSync(base).sort()) {
    const devLink = join(base, name, "device");
    if (!existsSync(devLink)) continue; // virtual consoles, ptys
    let d = realpathSync(devLink);
    let usb: string | undefined;
    for (let i = 0; i < 6 && d !== "/" && d.startsWith(root); i++, d = dirname(d)) {
      if (existsSync(join(d, "idVendor"))) {
        usb = d;
        break;
      }
    }
    const info: PortInfo = { path: join(dev, name) };
    if (usb) {
      info.vendorId = read(join(usb, "idVendor"))?.toLowerCase();
      info.productId = read(join(usb, "idProduct"))?.toLowerCase();
      info.serialNumber = read(join(usb, "serial"));
      info.manufacturer = read(join(usb, "manufacturer"));
      info.product = read(join(usb, "product"));
    }
    out.push(info);
  }
  return out;
}

function tag(p: PortInfo): PortInfo {
  const vid = p.vendorId?.toLowerCase();
  return vid && KNOWN_ADAPTERS[vid] ? { ...p, vendorId: vid, adapter: KNOWN_ADAPTERS[vid] } : p;
}

/** Every serial port, with USB details where there are any. */
export async function listPorts(): Promise<PortInfo[]> {
  try {
    const ports = await SerialPort.list();
    return ports.map((p) =>
      tag({ path: p.path, vendorId: p.vendorId, productId: p.productId, serialNumber: p.serialNumber, manufacturer: p.manufacturer }),
    );
  } catch {
    return listFromSysfs().map(tag);
  }
}

export function describePort(p: PortInfo): string {
  const parts = [p.path];
  if (p.adapter) parts.push(p.adapter);
  if (p.vendorId) parts.push(`${p.vendorId}:${p.productId ?? "????"}`);
  if (p.product || p.manufacturer) parts.push([p.manufacturer, p.product].filter(Boolean).join(" "));
  if (p.serialNumber) parts.push(`serial ${p.serialNumber}`);
  return parts.join("  ");
}

export class PortChoiceError extends Error {}

/**
 * The adapter to use: the only known one; with several, `choose` picks
 * (interactive) or a PortChoiceError lists them; with none, a
 * PortChoiceError says so and lists every port.
 */
export async function pickPort(ports: PortInfo[], choose?: (c: PortInfo[]) => Promise<PortInfo>): Promise<PortInfo> {
  const adapters = ports.filter((p) => p.adapter);
  if (adapters.length === 1) return adapters[0]!;
  if (adapters.length > 1) {
    if (choose) return choose(adapters);
    throw new PortChoiceError(`several USB-serial adapters are plugged in; choose one with --port:\n${adapters.map((p) => "  " + describePort(p)).join("\n")}`);
  }
  const all = ports.length ? ports.map((p) => "  " + describePort(p)).join("\n") : "  (none)";
  throw new PortChoiceError(
    `no USB-serial adapter found (FTDI, CP210x, CH340, PL2303, Pi Debug Probe); is the cable plugged in? Serial ports present:\n${all}\nGive one with --port`,
  );
}
