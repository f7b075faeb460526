// The page remembers when the canvas was last drawn on and last cleared. Exporting a stroke takes
// a second in software WebGL, so a drawing can be sent after "Clear canvas"; demo.py then sends
// no drawing instead (its answer is the prompt), and an old answer never stays over a blank canvas.
() => {
    window.lenetCanvas = { drawnAt: 0, clearedAt: 0 };
    document.addEventListener("pointerdown", (event) => {
        if (event.target instanceof Element && event.target.closest("#sketchpad canvas")) {
            window.lenetCanvas.drawnAt = performance.now();
        }
    }, true);
}
