'use client';

export function ThemeToggle() {
  function toggle() {
    const dark = document.documentElement.classList.toggle('dark');
    localStorage.setItem('theme', dark ? 'dark' : 'light');
  }
  return (
    <button type="button" onClick={toggle} aria-label="Toggle dark mode" className="rounded-md px-2 py-1 hover:bg-slate-100 dark:hover:bg-slate-800">
      ◐
    </button>
  );
}
