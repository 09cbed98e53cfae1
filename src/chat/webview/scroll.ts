// Keeps the message list scrolled to the newest text while a reply streams,
// unless the user scrolled up to read: then it stays put and a "jump to
// latest" button appears until they scroll back down.
import { button } from './dom';

const NEAR_BOTTOM_PX = 32;

export class AutoScroll {
  private stick = true;
  readonly jump: HTMLButtonElement;

  constructor(private readonly list: HTMLElement) {
    this.jump = button('Jump to latest', 'arrow-down', () => this.toBottom(), { class: 'jump-button', text: 'Latest' });
    this.jump.hidden = true;
    list.addEventListener(
      'wheel',
      (e) => {
        if (e.deltaY < 0) this.release();
      },
      { passive: true },
    );
    list.addEventListener('keydown', (e) => {
      if (['PageUp', 'ArrowUp', 'Home'].includes(e.key)) this.release();
    });
    list.addEventListener(
      'scroll',
      () => {
        const near = this.distance() <= NEAR_BOTTOM_PX;
        if (near && !this.stick) this.stick = true;
        else if (!near && this.stick && !this.settling) this.stick = false;
        this.jump.hidden = this.stick;
      },
      { passive: true },
    );
  }

  /** True while a scroll we made is being applied (so our own scroll events do not unstick). */
  private settling = false;

  /** Call after content changed: follows the bottom when sticking. */
  update(): void {
    if (!this.stick) {
      this.jump.hidden = this.distance() <= NEAR_BOTTOM_PX;
      return;
    }
    if (this.distance() > 0) {
      this.settling = true;
      this.list.scrollTop = this.list.scrollHeight;
      requestAnimationFrame(() => (this.settling = false));
    }
  }

  /** Scrolls to the end and follows new text again. */
  toBottom(): void {
    this.stick = true;
    this.jump.hidden = true;
    this.update();
  }

  private release(): void {
    this.stick = false;
  }

  private distance(): number {
    return this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight;
  }
}
