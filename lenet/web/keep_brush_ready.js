// Keep the sketchpad ready to draw: Gradio's sketchpad starts with no tool selected ("select the
// draw tool to start") and its "Clear canvas" button deselects the brush again and resets the zoom
// to 100 %. Whenever that no-tool placeholder shows, select the brush, so a mouse or a finger can
// draw straight away. The drawing area is shown at 100 % where it fits its frame (a laptop; Gradio
// first fits it larger, which costs every pointer move more rendering), else fitted to the frame
// (a phone), and it stays the same size after "Clear canvas".
// demo.py puts in the canvas's size for __CANVAS_WIDTH__ and __CANVAS_HEIGHT__.
// (Zooming can delay the cleared canvas's own answer; lenet/web/cleared_canvas.js keeps a late
// export of the old drawing from replacing it.)
() => {
    const sketchpad = document.getElementById("sketchpad");
    if (!sketchpad) return;
    // Pick an entry of the zoom menu: "Fit to screen" is its one entry that is not a percentage
    // (any language), "100%" the full size.
    const isFit = (text) => !text.endsWith("%");
    const isFullSize = (text) => text === "100%";
    let zooming = false; // A zoom menu this script opened and has not closed yet.
    const zoomTo = (wanted, then = () => {}) => {
        const zoom = sketchpad.querySelector(".zoom-number [role=button]");
        if (zooming || !zoom) return;
        if (wanted(zoom.textContent.trim())) return then();
        zooming = true;
        zoom.click();
        const pick = (framesLeft) => {
            const entry = [...sketchpad.querySelectorAll(".zoom-controls li button")]
                .find((button) => wanted(button.textContent.trim()));
            if (entry) entry.click();
            else if (framesLeft > 0) return requestAnimationFrame(() => pick(framesLeft - 1));
            else zoom.click(); // No such entry in this Gradio: close the menu again.
            zooming = false;
            if (entry) requestAnimationFrame(then);
        };
        requestAnimationFrame(() => pick(30)); // The menu shows within a frame or a few.
    };
    // Gradio keeps this much room around the drawing area inside its frame when it fits it; filling
    // the frame's width leaves at least `edge` on each side.
    const margin = 30;
    const edge = 4;
    const frame = () => sketchpad.querySelector("canvas")?.getBoundingClientRect();
    const fitsAtFullSize = () => {
        const { width, height } = frame() ?? { width: Infinity, height: Infinity };
        return width - 2 * margin >= __CANVAS_WIDTH__ && height - 2 * margin >= __CANVAS_HEIGHT__;
    };
    // Where the area does not fit at 100 % (a phone), fit it to the frame, then one step larger if
    // that still fits the frame's width: Gradio's fit leaves wide margins on a narrow screen.
    const zoomButton = (label) => sketchpad.querySelector(`button[aria-label="${label}"]`);
    const zoomShown = () => parseFloat(sketchpad.querySelector(".zoom-number [role=button]")?.textContent) / 100;
    const fillFrame = () => zoomTo(isFit, () => {
        const zoomIn = zoomButton("Zoom in"), zoomOut = zoomButton("Zoom out");
        if (!zoomIn || !zoomOut) return;
        zooming = true;
        zoomIn.click();
        requestAnimationFrame(() => requestAnimationFrame(() => {
            if (__CANVAS_WIDTH__ * zoomShown() > frame().width - 2 * edge) zoomOut.click();
            zooming = false;
        }));
    });
    const selectBrushIfIdle = () => {
        const idle = sketchpad.querySelector(".image-container .empty.wrap");
        const brush = sketchpad.querySelector('button[aria-label="Brush"]')
            || sketchpad.querySelector(".half-container button");
        if (idle && brush && !brush.classList.contains("highlight")) {
            brush.click();
            if (fitsAtFullSize()) zoomTo(isFullSize);
            else fillFrame();
        }
    };
    // Gradio fits the drawing area to its frame when the page loads, larger than 100 % on a laptop:
    // back to 100 % where the area fits at that size, or filled on a phone, unless the person
    // zoomed themselves (the zoom menu or buttons, or ctrl + wheel): their zoom stays.
    let zoomChosen = false;
    const zoomControls = ".zoom-number, .zoom-controls, button[aria-label='Zoom in'], button[aria-label='Zoom out']";
    sketchpad.addEventListener("click", (event) => {
        if (event.isTrusted && event.target.closest?.(zoomControls)) zoomChosen = true;
    }, true);
    sketchpad.addEventListener("wheel", (event) => {
        if (event.isTrusted && event.ctrlKey) zoomChosen = true;
    }, { capture: true, passive: true });
    let phoneFilled = false;
    const settleZoom = () => {
        const zoom = sketchpad.querySelector(".zoom-number [role=button]")?.textContent.trim();
        if (zoomChosen || zooming || !zoom || isFullSize(zoom) || !frame()?.width) return;
        if (fitsAtFullSize()) zoomTo(isFullSize);
        else if (!phoneFilled) {
            phoneFilled = true;
            fillFrame();
        }
    };
    const keepReady = () => {
        selectBrushIfIdle();
        settleZoom();
    };
    new MutationObserver(keepReady).observe(sketchpad, { childList: true, subtree: true, characterData: true });
    keepReady();
}
