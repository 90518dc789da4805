export interface MachineInfo {
  readonly hostname: string;
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
  readonly date: string;
  readonly loadavg: readonly number[];
}
export function machineInfo(now?: Date): MachineInfo;
export function resultFileName(machine: Pick<MachineInfo, 'hostname' | 'date'>, mode: 'full' | 'quick'): string;
