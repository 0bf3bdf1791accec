// An RGBA frame on a canvas, at the model's resolution and scaled up by CSS.
import { useEffect, useRef } from 'preact/hooks';
import type { Frame } from '../generation/protocol.js';

export function ImageCanvas(props: {
  frame: Frame | null;
  overlay?: Frame | null;
  label: string;
  testId?: string;
  size?: 'large' | 'thumb';
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const f = props.frame;
    if (!canvas) return;
    const ctx = canvas.getContext('2d')!;
    if (!f) {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      return;
    }
    canvas.width = f.width;
    canvas.height = f.height;
    ctx.putImageData(new ImageData(new Uint8ClampedArray(f.rgba), f.width, f.height), 0, 0);
    if (props.overlay) {
      // Composite the overlay through a second canvas, so that its alpha blends over the image.
      const o = new OffscreenCanvas(f.width, f.height);
      o.getContext('2d')!.putImageData(
        new ImageData(new Uint8ClampedArray(props.overlay.rgba), f.width, f.height),
        0,
        0,
      );
      ctx.drawImage(o, 0, 0);
    }
    canvas.dataset.overlay = props.overlay ? 'on' : 'off';
  }, [props.frame, props.overlay]);
  return (
    <canvas
      ref={ref}
      class={`image ${props.size ?? 'large'}${props.frame ? '' : ' empty'}`}
      width={64}
      height={64}
      role="img"
      aria-label={props.label}
      data-testid={props.testId}
    />
  );
}

/** Downloads a frame as a PNG at its own resolution. */
export async function downloadPng(frame: Frame, filename: string): Promise<void> {
  const canvas = new OffscreenCanvas(frame.width, frame.height);
  canvas
    .getContext('2d')!
    .putImageData(
      new ImageData(new Uint8ClampedArray(frame.rgba), frame.width, frame.height),
      0,
      0,
    );
  const blob = await canvas.convertToBlob({ type: 'image/png' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
